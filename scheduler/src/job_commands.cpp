// door-scheduler schedule, jobs, job, cancel, serve.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

#include "cli.hpp"
#include "port/clock.hpp"
#include "protocol/topics.hpp"
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

cJSON* job_json(const Job& job, const Statistics& st, const std::vector<DeviceResult>* results) {
  cJSON* j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "jobId", job.id.c_str());
  cJSON_AddStringToObject(j, "type", to_string(job.type));
  cJSON_AddStringToObject(j, "status", to_string(job.status));
  cJSON_AddStringToObject(j, "queryCondition", job.query.c_str());
  cJSON_AddNumberToObject(j, "startTime", static_cast<double>(job.start_time));
  if (job.ended != 0) cJSON_AddNumberToObject(j, "endTime", static_cast<double>(job.ended));
  cJSON_AddNumberToObject(j, "maxExecutionTimeInSeconds", job.max_execution_s);
  if (!job.recurrence.empty()) cJSON_AddStringToObject(j, "repeat", job.recurrence.c_str());
  cJSON_AddNumberToObject(j, "run", job.run);
  if (!job.failure.empty()) cJSON_AddStringToObject(j, "failureReason", job.failure.c_str());
  cJSON* stats = cJSON_AddObjectToObject(j, "deviceJobStatistics");
  cJSON_AddNumberToObject(stats, "deviceCount", st.device_count);
  cJSON_AddNumberToObject(stats, "succeededCount", st.succeeded);
  cJSON_AddNumberToObject(stats, "failedCount", st.failed);
  cJSON_AddNumberToObject(stats, "runningCount", st.running);
  cJSON_AddNumberToObject(stats, "pendingCount", st.pending);
  if (results != nullptr) {
    cJSON* devices = cJSON_AddArrayToObject(j, "devices");
    for (const DeviceResult& r : *results) {
      cJSON* d = cJSON_CreateObject();
      cJSON_AddStringToObject(d, "deviceId", r.device_id.c_str());
      cJSON_AddStringToObject(d, "status", to_string(r.status));
      if (r.started != 0) cJSON_AddNumberToObject(d, "startTime", static_cast<double>(r.started));
      if (r.ended != 0) cJSON_AddNumberToObject(d, "endTime", static_cast<double>(r.ended));
      cJSON* outcome = cJSON_AddObjectToObject(d, "outcome");
      cJSON_AddNumberToObject(outcome, "status", r.code);
      cJSON* payload = cJSON_Parse(r.response.c_str());
      cJSON_AddItemToObject(outcome, "payload",
                            payload != nullptr ? payload : cJSON_CreateString(r.response.c_str()));
      cJSON_AddItemToArray(devices, d);
    }
  }
  return j;
}

void print_json(cJSON* json) {
  char* text = cJSON_Print(json);
  std::printf("%s\n", text);
  cJSON_free(text);
  cJSON_Delete(json);
}

std::string summary(const Job& job, const Statistics& st) {
  return "job " + job.id + " " + to_string(job.status) + ": deviceCount " +
         std::to_string(st.device_count) + ", succeeded " + std::to_string(st.succeeded) +
         ", failed " + std::to_string(st.failed) + ", running " + std::to_string(st.running) +
         ", pending " + std::to_string(st.pending);
}

int exit_code_of(const Job& job, const Statistics& st) {
  if (job.status == JobStatus::failed) return kError;
  if (job.status == JobStatus::cancelled || st.failed > 0) return kPartial;
  return kOk;
}

void print_progress(const Job&, const Statistics& st, const DeviceResult& r) {
  if (r.status == DeviceStatus::running || r.status == DeviceStatus::pending) return;
  std::printf("  %-20s %-9s %3d %s   [%d/%d done, %d failed]\n", printable(r.device_id).c_str(),
              to_string(r.status), r.code, printable(r.response).c_str(), st.succeeded + st.failed,
              st.device_count, st.failed);
}

// Runs one claimed run of the job and stores how it ended (and, for a repeating job, when it runs
// next).
Job run_claimed(Job job, BrokerClient& client, Fleet& fleet, JobStore& store, bool show) {
  JobRunner runner(client, fleet, store, show ? ProgressFn(print_progress) : ProgressFn());
  job = runner.run(job);
  if (!job.recurrence.empty() && job.status != JobStatus::cancelled) {
    store.update(job);  // this run's outcome, then the next run
    job.start_time = next_start(job.recurrence, job.start_time, port::wall_seconds());
    job.status = JobStatus::scheduled;
    job.ended = 0;
  }
  store.update(job);
  return job;
}

bool connect(BrokerClient& client, Fleet& fleet) {
  std::string error;
  if (client.connect(error) && fleet.load(client, error)) return true;
  runtime_error(error);
  return false;
}

// Waits (keeping the fleet current) until the wall clock reaches `when` or a stop is asked.
void wait_until(int64_t when, BrokerClient& client, Fleet& fleet) {
  while (g_stop == 0 && port::wall_seconds() < when) {
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
    JsonDocument payload(cJSON_Parse(job.payload.c_str()));
    if (!payload) return usage_error("--payload is not valid JSON");
  } else {
    JsonDocument patch(cJSON_Parse(job.patch.c_str()));
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

  JobStore store;
  if (!open_store(ctx, store)) return kError;
  if (!store.add(job, error)) return runtime_error(error);
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
  if (!connect(client, fleet)) return kError;
  signal(SIGINT, request_stop);
  signal(SIGTERM, request_stop);
  if (job.start_time > port::wall_seconds()) {
    std::printf("job %s starts at %s\n", job.id.c_str(), local_time(job.start_time).c_str());
  }
  wait_until(job.start_time, client, fleet);
  if (g_stop != 0 || store.cancelled(job.id)) {
    store.cancel(job.id);
    std::printf("job %s cancelled\n", job.id.c_str());
    return kPartial;
  }
  if (!store.claim(job.id, 1, port::wall_seconds())) {
    return runtime_error("job " + job.id + " was taken by another scheduler or cancelled");
  }
  job = *store.get(job.id);
  std::printf("job %s running: %s\n", job.id.c_str(), printable(job.query).c_str());
  job = run_claimed(job, client, fleet, store, !json);
  const Statistics st = store.statistics(job.id, job.run);
  if (json) {
    const auto results = store.results(job.id, job.run);
    print_json(job_json(job, st, &results));
  } else {
    std::printf("%s\n", summary(job, st).c_str());
  }
  return exit_code_of(job, st);
}

int jobs_command(Context& ctx) {
  bool json = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--json";
  if (ctx.next + (json ? 1 : 0) < ctx.args.size()) return usage_error("jobs takes only --json");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  cJSON* array = cJSON_CreateArray();
  if (!json)
    std::printf("%-28s %-21s %-10s %-20s %s\n", "JOB", "TYPE", "STATUS", "START", "DEVICES");
  for (const Job& job : store.all()) {
    const Statistics st = store.statistics(job.id, job.run);
    if (json) {
      cJSON_AddItemToArray(array, job_json(job, st, nullptr));
      continue;
    }
    std::printf("%-28s %-21s %-10s %-20s %d ok, %d failed of %d\n", job.id.c_str(),
                to_string(job.type), to_string(job.status), local_time(job.start_time).c_str(),
                st.succeeded, st.failed, st.device_count);
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
  const auto job = store.get(id);
  if (!job) return runtime_error("no job " + id);
  const Statistics st = store.statistics(job->id, job->run);
  const auto results = store.results(job->id, job->run);
  if (json) {
    print_json(job_json(*job, st, &results));
    return kOk;
  }
  std::printf("%s\n", summary(*job, st).c_str());
  std::printf("  type %s, query %s, start %s%s%s\n", to_string(job->type),
              printable(job->query).c_str(), local_time(job->start_time).c_str(),
              job->recurrence.empty() ? "" : ", repeat ", job->recurrence.c_str());
  if (!job->failure.empty()) std::printf("  failed: %s\n", printable(job->failure).c_str());
  for (const DeviceResult& r : results) {
    std::printf("  %-20s %-9s %3d %s\n", printable(r.device_id).c_str(), to_string(r.status),
                r.code, printable(r.response).c_str());
  }
  return kOk;
}

int cancel_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("cancel needs a job id");
  const std::string id = ctx.args[ctx.next];
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  if (!store.cancel(id)) return runtime_error("no job " + id + " that is waiting or running");
  std::printf("job %s cancelled\n", id.c_str());
  return kOk;
}

int serve_command(Context& ctx) {
  if (ctx.next < ctx.args.size()) return usage_error("serve takes no options");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet)) return kError;
  signal(SIGINT, request_stop);
  signal(SIGTERM, request_stop);
  std::printf("serving jobs from %s\n", ctx.store_path.c_str());
  bool resumed = false;
  while (g_stop == 0) {
    for (Job job : store.due(port::wall_seconds())) {
      if (g_stop != 0) break;
      if (job.status == JobStatus::running) {
        if (resumed) continue;  // another scheduler's run in progress
        std::printf("job %s: resuming run %d\n", job.id.c_str(), job.run);
      } else if (!store.claim(job.id, job.run + 1, port::wall_seconds())) {
        continue;
      } else {
        job = *store.get(job.id);
        std::printf("job %s: run %d started\n", job.id.c_str(), job.run);
      }
      job = run_claimed(job, client, fleet, store, false);
      std::printf("%s\n", summary(job, store.statistics(job.id, job.run)).c_str());
    }
    resumed = true;
    // New jobs come from other processes through the store: look again every half second.
    wait_until(port::wall_seconds() + 1, client, fleet);
  }
  std::printf("stopped\n");
  return kOk;
}

}  // namespace door::scheduler::cli
