// door-scheduler schedule and watch: a job scheduled, and followed to its end.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "cli.hpp"
#include "hub_commands.hpp"
#include "job_output.hpp"
#include "job_run.hpp"
#include "port/clock.hpp"
#include "progress_view.hpp"
#include "protocol/json_document.hpp"
#include "protocol/topics.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job_store.hpp"
#include "scheduler/query.hpp"
#include "scheduler/schedule.hpp"

namespace door::scheduler::cli {

namespace {

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

bool number_value(const std::string& text, double min, double max, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= min && v <= max)) return false;
  out = v;
  return true;
}

bool rate_value(const std::string& text, double& out) {
  return number_value(text, kMinRate, kMaxRate, out);
}

bool ended(JobStatus status) {
  return status == JobStatus::completed || status == JobStatus::failed ||
         status == JobStatus::cancelled;
}

// Follows a job through the store, whoever runs it (serve, another scheduler's --wait), until the
// run under way, or the next one, ends; `job` is then the job as it ended. False with a one-line
// reason when the store fails or the job goes away, or when a stop is asked (reason empty).
bool follow(const Context& ctx, JobStore& store, const std::string& id, ProgressView& view,
            FILE* info, Job& job, std::string& error) {
  constexpr int64_t kPollMs = 250;
  // A cancel ends the job's status at once; its runner closes the open devices within a second.
  constexpr int64_t kCancelSettleMs = 3000;
  std::optional<Job> now;
  if (!store.get(id, now)) return error = store.error(), false;
  if (!now) return error = "no job " + id, false;
  const int target =
      now->status == JobStatus::running || ended(now->status) ? now->run : now->run + 1;
  bool announced = false;
  bool began = false;
  int64_t cancel_seen_ms = 0;
  std::set<std::string> shown;
  for (;;) {
    if (stop_requested()) return error.clear(), false;
    if (!store.get(id, now)) return error = store.error(), false;
    if (!now) return error = "job " + id + " is no longer in the store", false;
    job = *now;
    if (job.run < target && ended(job.status)) return true;  // cancelled before it ran
    if (job.run < target) {
      if (!announced) {
        std::fprintf(info, "job %s %s, starts at %s\n", id.c_str(), to_string(job.status),
                     shown_time(ctx, job.start_time).c_str());
        announced = true;
      }
      pause_ms(kPollMs);
      continue;
    }
    if (!began) {
      std::fprintf(info, "job %s running: %s\n", id.c_str(), printable(job.query).c_str());
      view.begin(job.started);
      began = true;
    }
    std::vector<DeviceResult> results;
    if (!store.results(id, target, results)) return error = store.error(), false;
    Statistics st;
    for (const DeviceResult& r : results) st.count(r.status, 1);
    for (const DeviceResult& r : results) {
      const bool open = r.status == DeviceStatus::pending || r.status == DeviceStatus::running;
      if (!open && shown.insert(r.device_id).second) view.device(r, st);
    }
    view.tick(st);
    const bool run_over = job.run > target || job.status != JobStatus::running;
    if (run_over && job.status == JobStatus::cancelled && st.running + st.pending > 0) {
      if (cancel_seen_ms == 0) cancel_seen_ms = port::monotonic_ms();
      if (port::monotonic_ms() - cancel_seen_ms < kCancelSettleMs) {
        pause_ms(kPollMs);
        continue;
      }
    }
    if (run_over) {
      view.end();
      job.run = target;  // the run followed, also when a repeating job has gone on
      return true;
    }
    pause_ms(kPollMs);
  }
}

// How a run ended: the JSON on stdout, or the summary line; the exit status.
int report(const Job& job, JobStore& store, bool json) {
  Statistics st;
  std::vector<DeviceResult> results;
  if (!store.statistics(job.id, job.run, st) || !store.results(job.id, job.run, results)) {
    return runtime_error(store.error());
  }
  return print_outcome(job, st, results, json);
}

// Options of one job type only, named as such when given to the other.
const std::map<std::string, JobType> kOneTypeOptions = {{"--method", JobType::device_method},
                                                        {"--payload", JobType::device_method},
                                                        {"--patch", JobType::update_twin},
                                                        {"--wait-ack", JobType::update_twin}};
const std::set<std::string> kScheduleValueOptions = {"--query",
                                                     "--method",
                                                     "--payload",
                                                     "--patch",
                                                     "--start",
                                                     "--in",
                                                     "--timeout",
                                                     "--max-time",
                                                     "--repeat",
                                                     "--rate",
                                                     "--id",
                                                     "--rate-increase-factor",
                                                     "--rate-increase-every",
                                                     "--abort-failed-percent",
                                                     "--abort-min-devices"};

}  // namespace

int schedule_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("schedule needs method or twin");
  Job job;
  const std::string kind = ctx.args[ctx.next++];
  if (kind != "method" && kind != "twin") return usage_error("schedule method or schedule twin");
  job.type = kind == "method" ? JobType::device_method : JobType::update_twin;
  job.created = port::wall_seconds();
  std::string start;  // empty: now, or a daily job's next time
  bool wait = false;
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    const auto only = kOneTypeOptions.find(a);
    if (only != kOneTypeOptions.end() && only->second != job.type) {
      return usage_error(a + " applies to schedule " +
                         (only->second == JobType::device_method ? "method" : "twin") + " only");
    }
    if (a == "--wait") {
      wait = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--wait-ack") {
      job.wait_for_ack = true;
    } else if (kScheduleValueOptions.count(a) == 0) {
      return usage_error("unknown option " + a + " for schedule " + kind);
    } else if (!option_value(ctx, a, v)) {
      return kUsage;
    } else if (a == "--query") {
      job.query = v;
    } else if (a == "--method") {
      job.method = v;
    } else if (a == "--payload") {
      job.payload = v;
    } else if (a == "--patch") {
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
    } else if (a == "--rate-increase-factor") {
      if (!number_value(v, 1.1, 5, job.rate_increase_factor))
        return usage_error("--rate-increase-factor: 1.1 to 5, as AWS IoT Jobs allows");
    } else if (a == "--rate-increase-every") {
      if (!whole_number(v, 1, 1000000, job.rate_increase_every))
        return usage_error("--rate-increase-every: 1 to 1000000 devices succeeded");
    } else if (a == "--abort-failed-percent") {
      if (!number_value(v, 0, 100, job.abort_failed_percent))
        return usage_error("--abort-failed-percent: 0 to 100");
    } else if (a == "--abort-min-devices") {
      if (!whole_number(v, 1, 1000000, job.abort_min_devices))
        return usage_error("--abort-min-devices: 1 to 1000000 devices");
    }
  }
  if ((job.rate_increase_factor > 0) != (job.rate_increase_every > 0)) {
    return usage_error(
        "--rate-increase-factor and --rate-increase-every go together: the factor, and after how "
        "many more devices succeeded");
  }
  if (job.rate_increase_factor > 0 && job.rate == 0) {
    return usage_error("--rate-increase-factor needs --rate, the rate it starts at");
  }
  std::string error;
  Query query;
  if (job.query.empty())
    return usage_error("--query is missing (for every device: \"SELECT * FROM devices\")");
  if (!query.parse(job.query, error)) return usage_error(error);
  if (job.type == JobType::device_method && job.method.empty())
    return usage_error("--method is missing: the direct method to invoke, such as lockDoor");
  if (job.type == JobType::update_twin && job.patch.empty())
    return usage_error(
        "--patch is missing: the desired properties to set, such as '{\"floor\":3}'");
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
  if (!job.recurrence.empty() && !valid_recurrence(job.recurrence, error))
    return usage_error(error);
  if (start.empty() && job.recurrence.rfind("daily ", 0) == 0) {
    // "daily 22:00" alone means at 22:00, not now and then at 22:00.
    job.start_time = next_start(job.recurrence, job.created, job.created - 1);
  } else if ((job.start_time = parse_start(start.empty() ? "now" : start, job.created, error)) <
             0) {
    return usage_error(error);
  }
  if (job.start_time < job.created - kPastStartGraceSeconds) {
    return usage_error("start: " + start + " (" + start_zone(start, job.start_time) + ") is " +
                       iso_utc(job.start_time) + ", in the past (now " + iso_utc(job.created) +
                       "); use --start now to start at once");
  }
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
                  shown_time(ctx, job.start_time).c_str());
    }
    return kOk;
  }

  // The foreground form: runs the job here when this process claims it first, or follows it
  // through the store when another scheduler (serve) does.
  FILE* info = json ? stderr : stdout;  // under --json, stdout carries the JSON alone
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet, store)) return kError;
  stop_on_signals();
  if (job.start_time > port::wall_seconds()) {
    std::fprintf(info, "job %s starts at %s\n", job.id.c_str(),
                 shown_time(ctx, job.start_time).c_str());
  }
  wait_until(job.start_time, client, fleet);
  bool cancelled = false;
  if (!store.cancelled(job.id, cancelled)) return runtime_error(store.error());
  if (stop_requested()) {
    if (!store.cancel(job.id, cancelled)) return runtime_error(store.error());
    std::fprintf(info, "job %s cancelled\n", job.id.c_str());
    return kPartial;
  }
  bool claimed = false;
  if (!cancelled && !store.claim(job.id, 1, port::wall_seconds(), claimed)) {
    return runtime_error(store.error());
  }
  ProgressView view(job.id, !json);
  if (!claimed) {
    error.clear();
    if (!follow(ctx, store, job.id, view, info, job, error)) {
      return error.empty() ? kPartial : runtime_error(error);
    }
    return report(job, store, json);
  }
  std::optional<Job> claimed_job;
  if (!store.get(job.id, claimed_job) || !claimed_job) return runtime_error(store.error());
  job = *claimed_job;
  std::fprintf(info, "job %s running: %s\n", job.id.c_str(), printable(job.query).c_str());
  if (!run_claimed(job, client, fleet, store, &view)) return kError;
  return report(job, store, json);
}

int watch_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("watch needs a job id");
  const std::string id = ctx.args[ctx.next++];
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    if (ctx.args[ctx.next] != "--json") {
      return usage_error("unknown option " + ctx.args[ctx.next] + " for watch");
    }
    json = true;
  }
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  stop_on_signals();
  ProgressView view(id, !json);
  Job job;
  std::string error;
  if (!follow(ctx, store, id, view, json ? stderr : stdout, job, error)) {
    return error.empty() ? kPartial : runtime_error(error);
  }
  return report(job, store, json);
}

}  // namespace door::scheduler::cli
