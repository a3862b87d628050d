// door-scheduler schedule, jobs, job, cancel, serve.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>

#include "cli.hpp"
#include "hub_commands.hpp"
#include "job_output.hpp"
#include "port/clock.hpp"
#include "protocol/json_document.hpp"
#include "protocol/topics.hpp"
#include "scheduler/desired_restore.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job_runner.hpp"
#include "scheduler/job_store.hpp"
#include "scheduler/query.hpp"
#include "scheduler/schedule.hpp"

namespace door::scheduler::cli {

namespace {

volatile sig_atomic_t g_stop = 0;
void request_stop(int) {
  g_stop = 1;
}

// A JSON argument as the agents will read it: one whole document, each member named once.
bool user_json(const char* option, const std::string& text, std::string& error) {
  protocol::JsonRefusal refusal;
  JsonDocument document(protocol::parse_json_document(text, &refusal));
  if (document) return true;
  error = std::string(option) + " is not valid JSON";
  if (refusal.repeated_member) {
    error += refusal.member[0] != '\0'
                 ? std::string(": the member \"") + refusal.member + "\" is given twice"
                 : std::string(": a member is given twice");
  } else {
    error += " (at byte " + std::to_string(refusal.offset) + ")";
  }
  return false;
}

bool whole_number(const std::string& text, int min, int max, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > max) return false;
  out = static_cast<int>(v);
  return true;
}

// Devices a second: at least one every 1000 s, so the spacing between starts stays a sane number of
// milliseconds (1e-17 overflowed it and started every device at once); at most 10,000.
constexpr double kMinRate = 0.001;
constexpr double kMaxRate = 10000;

bool rate_value(const std::string& text, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= kMinRate && v <= kMaxRate)) return false;
  out = v;
  return true;
}

std::string generated_id() {
  std::random_device random;
  char id[40];
  std::snprintf(id, sizeof id, "job-%lld-%04x", static_cast<long long>(port::wall_seconds()),
                random() & 0xffff);
  return id;
}

bool open_store(const Context& ctx, JobStore& store) {
  std::string error;
  if (store.open(ctx.store_path, error)) return true;
  runtime_error(error);
  return false;
}

void print_notice(const Job& job, const std::string& what) {
  std::fprintf(stderr, "door-scheduler: job %s: %s\n", job.id.c_str(), what.c_str());
}

// Runs one claimed run of the job and stores how it ended (and, for a repeating job, when it runs
// next). A store another process keeps locked is tried again (each try waits for the lock a
// bounded time, and says so) until it takes the outcome or a stop is asked; false when the outcome
// could not be stored.
bool run_claimed(Job& job, BrokerClient& client, Fleet& fleet, JobStore& store, bool show) {
  JobRunner runner(client, fleet, store, show ? ProgressFn(print_progress) : ProgressFn(),
                   print_notice);
  job = runner.run(job);
  Job stored = job;
  if (!job.recurrence.empty() && job.status != JobStatus::cancelled) {
    stored.start_time = next_start(job.recurrence, job.start_time, port::wall_seconds());
    stored.status = JobStatus::scheduled;
    stored.ended = 0;
  }
  while (!store.update(stored)) {
    print_notice(job, store.error());
    if (!store.locked() || g_stop != 0) return false;
  }
  job = stored;
  return true;
}

// The job's line with its run's statistics, or the store's error.
std::string summary_of(const Job& job, JobStore& store) {
  Statistics st;
  if (!store.statistics(job.id, job.run, st)) return "job " + job.id + ": " + store.error();
  return summary(job, st);
}

// Loads the fleet and puts back the desired documents the broker lost.
bool load(BrokerClient& client, Fleet& fleet, JobStore& store, std::string& error) {
  std::vector<std::string> restored;
  if (!fleet.load(client, error) || !restore_desired(client, fleet, store, restored, error)) {
    return false;
  }
  for (const std::string& id : restored) {
    std::fprintf(stderr, "restored the desired document of %s from the store\n",
                 printable(id).c_str());
  }
  return true;
}

bool connect(BrokerClient& client, Fleet& fleet, JobStore& store) {
  std::string error;
  if (client.connect(error) && load(client, fleet, store, error)) return true;
  runtime_error(error);
  return false;
}

// After the connection to the broker was lost: tries again after a delay that doubles from 1 s to
// 30 s, with jitter so many schedulers do not come back at once, until connected or a stop is
// asked. The fleet is loaded afresh, so no device is judged by documents from before the loss.
void reconnect(BrokerClient& client, Fleet& fleet, JobStore& store) {
  constexpr int64_t kFirstDelayMs = 1000;
  constexpr int64_t kMaxDelayMs = 30000;
  std::minstd_rand jitter(std::random_device{}());
  int64_t cap_ms = kFirstDelayMs;
  while (g_stop == 0) {
    const int64_t delay_ms = cap_ms / 2 + static_cast<int64_t>(jitter() % (cap_ms / 2 + 1));
    std::printf("connection to the broker lost; reconnecting in %.1f s\n",
                static_cast<double>(delay_ms) / 1000);
    // The backoff itself, in short steps so a stop is not kept waiting.
    for (const int64_t until = port::monotonic_ms() + delay_ms;
         g_stop == 0 && port::monotonic_ms() < until;) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(100, until - port::monotonic_ms())));
    }
    Fleet fresh;
    std::string error;
    if (g_stop == 0 && client.connect(error) && load(client, fresh, store, error)) {
      fleet = std::move(fresh);
      std::printf("reconnected to the broker: %zu devices\n", fleet.devices().size());
      return;
    }
    if (!error.empty()) std::printf("%s\n", error.c_str());
    cap_ms = std::min(cap_ms * 2, kMaxDelayMs);
  }
}

// Waits (keeping the fleet current) until the wall clock reaches `when`, a stop is asked or the
// connection to the broker is lost.
void wait_until(int64_t when, BrokerClient& client, Fleet& fleet) {
  while (g_stop == 0 && port::wall_seconds() < when && client.connected()) {
    const int64_t left_ms = (when - port::wall_seconds()) * 1000;
    if (const auto m = client.receive(std::chrono::milliseconds(std::min<int64_t>(left_ms, 500)))) {
      fleet.update(*m);
    }
  }
}

}  // namespace

int schedule_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("schedule needs method or twin");
  Job job;
  const std::string kind = ctx.args[ctx.next++];
  if (kind != "method" && kind != "twin") return usage_error("schedule method or schedule twin");
  job.type = kind == "method" ? JobType::device_method : JobType::update_twin;
  job.created = port::wall_seconds();
  std::string start = "now";
  bool wait = false;
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a == "--wait") {
      wait = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--wait-ack" && job.type == JobType::update_twin) {
      job.wait_for_ack = true;
    } else if (!option_value(ctx, a, v)) {
      return kUsage;
    } else if (a == "--query") {
      job.query = v;
    } else if (a == "--method" && job.type == JobType::device_method) {
      job.method = v;
    } else if (a == "--payload" && job.type == JobType::device_method) {
      job.payload = v;
    } else if (a == "--patch" && job.type == JobType::update_twin) {
      job.patch = v;
    } else if (a == "--start") {
      start = v;
    } else if (a == "--in") {
      start = "in " + v;
    } else if (a == "--timeout") {
      if (!whole_number(v, 1, 300, job.response_timeout_s))
        return usage_error("--timeout: 1 to 300 seconds");
    } else if (a == "--max-time") {
      if (!whole_number(v, 1, 7 * 86400, job.max_execution_s))
        return usage_error("--max-time: 1 to 604800 seconds");
    } else if (a == "--repeat") {
      job.recurrence = v;
    } else if (a == "--rate") {
      if (!rate_value(v, job.rate))
        return usage_error("--rate: devices a second, from 0.001 to 10000");
    } else if (a == "--id") {
      job.id = v;
    } else {
      return usage_error("unknown option " + a + " for schedule " + kind);
    }
  }
  std::string error;
  Query query;
  if (job.query.empty())
    return usage_error("--query is required (for every device: \"SELECT * FROM devices\")");
  if (!query.parse(job.query, error)) return usage_error(error);
  if (job.type == JobType::device_method) {
    if (!protocol::valid_method_name(job.method))
      return usage_error("--method: a method name of letters, digits, -._:");
    if (!user_json("--payload", job.payload, error)) return usage_error(error);
  } else {
    if (!user_json("--patch", job.patch, error)) return usage_error(error);
    JsonDocument patch(protocol::parse_json_document(job.patch));
    if (!cJSON_IsObject(patch.get())) return usage_error("--patch must be a JSON object");
  }
  if (job.id.empty()) job.id = generated_id();
  if (!valid_job_id(job.id)) return usage_error("--id: 1 to 64 letters, digits or '-'");
  if ((job.start_time = parse_start(start, job.created, error)) < 0) return usage_error(error);
  if (!job.recurrence.empty() && !valid_recurrence(job.recurrence, error))
    return usage_error(error);
  if (!job.recurrence.empty() && wait)
    return usage_error("a repeating job runs under serve, not --wait");
  job.status = job.start_time > job.created ? JobStatus::scheduled : JobStatus::queued;
  if (!ctx.iothub.empty()) return hub_schedule(ctx, job, wait, json);

  JobStore store;
  if (!open_store(ctx, store)) return kError;
  if (!store.add(job)) return runtime_error(store.error());
  if (!wait) {
    if (json) {
      print_json(job_json(job, Statistics{}, nullptr));
    } else {
      std::printf("job %s %s for %s\n", job.id.c_str(), to_string(job.status),
                  local_time(job.start_time).c_str());
    }
    return kOk;
  }

  // The foreground form: run it here, with live progress.
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet, store)) return kError;
  signal(SIGINT, request_stop);
  signal(SIGTERM, request_stop);
  if (job.start_time > port::wall_seconds()) {
    std::printf("job %s starts at %s\n", job.id.c_str(), local_time(job.start_time).c_str());
  }
  wait_until(job.start_time, client, fleet);
  bool cancelled = false;
  if (!store.cancelled(job.id, cancelled)) return runtime_error(store.error());
  if (g_stop != 0 || cancelled) {
    if (!store.cancel(job.id, cancelled)) return runtime_error(store.error());
    std::printf("job %s cancelled\n", job.id.c_str());
    return kPartial;
  }
  bool claimed = false;
  if (!store.claim(job.id, 1, port::wall_seconds(), claimed)) return runtime_error(store.error());
  if (!claimed) {
    return runtime_error("job " + job.id + " was taken by another scheduler or cancelled");
  }
  std::optional<Job> claimed_job;
  if (!store.get(job.id, claimed_job) || !claimed_job) return runtime_error(store.error());
  job = *claimed_job;
  std::printf("job %s running: %s\n", job.id.c_str(), printable(job.query).c_str());
  if (!run_claimed(job, client, fleet, store, !json)) return kError;
  Statistics st;
  std::vector<DeviceResult> results;
  if (!store.statistics(job.id, job.run, st) || !store.results(job.id, job.run, results)) {
    return runtime_error(store.error());
  }
  if (json) {
    print_json(job_json(job, st, &results));
  } else {
    std::printf("%s\n", summary(job, st).c_str());
    if (!job.failure.empty()) std::printf("  failed: %s\n", printable(job.failure).c_str());
  }
  return exit_code_of(job, st);
}

int jobs_command(Context& ctx) {
  bool json = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--json";
  if (ctx.next + (json ? 1 : 0) < ctx.args.size()) return usage_error("jobs takes only --json");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  cJSON* array = cJSON_CreateArray();
  if (!json) print_job_header();
  std::vector<Job> jobs;
  if (!store.all(jobs)) {
    cJSON_Delete(array);
    return runtime_error(store.error());
  }
  for (const Job& job : jobs) {
    Statistics st;
    if (!store.statistics(job.id, job.run, st)) {
      cJSON_Delete(array);
      return runtime_error(store.error());
    }
    if (json) {
      cJSON_AddItemToArray(array, job_json(job, st, nullptr));
      continue;
    }
    print_job_row(job, st, "broker");
  }
  if (!list_hub_records(store, json ? array : nullptr)) {
    cJSON_Delete(array);
    return runtime_error(store.error());
  }
  if (json) {
    print_json(array);
  } else {
    cJSON_Delete(array);
  }
  return kOk;
}

int job_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("job needs a job id");
  const std::string id = ctx.args[ctx.next++];
  const bool json = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--json";
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  std::optional<Job> job;
  if (!store.get(id, job)) return runtime_error(store.error());
  if (!job) return runtime_error("no job " + id);
  Statistics st;
  std::vector<DeviceResult> results;
  if (!store.statistics(job->id, job->run, st) || !store.results(job->id, job->run, results)) {
    return runtime_error(store.error());
  }
  if (json) {
    print_json(job_json(*job, st, &results));
    return kOk;
  }
  print_job(*job, st, results);
  return kOk;
}

int cancel_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("cancel needs a job id");
  const std::string id = ctx.args[ctx.next];
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  bool cancelled = false;
  if (!store.cancel(id, cancelled)) return runtime_error(store.error());
  if (!cancelled) return runtime_error("no job " + id + " that is waiting or running");
  std::printf("job %s cancelled\n", id.c_str());
  return kOk;
}

int serve_command(Context& ctx) {
  if (ctx.next < ctx.args.size()) return usage_error("serve takes no options");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet, store)) return kError;
  signal(SIGINT, request_stop);
  signal(SIGTERM, request_stop);
  std::printf("serving jobs from %s\n", ctx.store_path.c_str());
  std::string store_trouble;  // told once, until the store answers again
  while (g_stop == 0) {
    if (!client.connected()) {
      reconnect(client, fleet, store);
      continue;
    }
    std::vector<Job> due;
    if (store.due(port::wall_seconds(), due)) {
      store_trouble.clear();
    } else if (store.error() != store_trouble) {
      store_trouble = store.error();
      runtime_error(store_trouble);
    }
    for (Job job : due) {
      if (g_stop != 0 || !client.connected()) break;
      bool mine = false;
      const bool asked = job.status == JobStatus::running
                             ? store.take_over(job.id, port::wall_seconds(), mine)
                             : store.claim(job.id, job.run + 1, port::wall_seconds(), mine);
      if (!asked) runtime_error("job " + job.id + ": " + store.error());
      if (!mine) continue;  // another scheduler took it first, or it was cancelled
      const bool resumed = job.status == JobStatus::running;
      std::optional<Job> claimed;
      if (!store.get(job.id, claimed) || !claimed) {
        runtime_error("job " + job.id + ": " + store.error());
        continue;  // the lease expires, and the run is taken up again
      }
      job = *claimed;
      if (resumed) {
        std::printf("job %s: resuming run %d (its scheduler's lease expired)\n", job.id.c_str(),
                    job.run);
      } else {
        std::printf("job %s: run %d started\n", job.id.c_str(), job.run);
      }
      if (run_claimed(job, client, fleet, store, false)) {
        std::printf("%s\n", summary_of(job, store).c_str());
        if (!job.failure.empty() && job.status == JobStatus::failed)
          std::printf("  failed: %s\n", printable(job.failure).c_str());
      }
    }
    // New jobs come from other processes through the store: look again every second.
    wait_until(port::wall_seconds() + 1, client, fleet);
  }
  std::printf("stopped\n");
  return kOk;
}

}  // namespace door::scheduler::cli
