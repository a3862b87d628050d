// door-scheduler jobs, job, cancel, purge: the store's jobs, read and tidied.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli.hpp"
#include "job_output.hpp"
#include "port/clock.hpp"
#include "protocol/duration.hpp"
#include "scheduler/job_store.hpp"
#include "scheduler/schedule.hpp"

namespace door::scheduler::cli {

namespace {

// The jobs a filter of `jobs` keeps.
struct JobFilter {
  std::optional<JobStatus> status;
  std::optional<JobType> type;
  int64_t since = 0;  // created at or after, Unix seconds

  bool keeps(const Job& job) const {
    return (!status || job.status == *status) && (!type || job.type == *type) &&
           job.created >= since;
  }
};

bool parse_type(const std::string& text, JobType& out) {
  if (text == "method" || text == to_string(JobType::device_method)) {
    out = JobType::device_method;
  } else if (text == "twin" || text == to_string(JobType::update_twin)) {
    out = JobType::update_twin;
  } else {
    return false;
  }
  return true;
}

// Days as "30d", up to ten years; -1 for anything else.
int64_t parse_days(const std::string& text) {
  constexpr int64_t kMaxDays = 3660;
  char* end = nullptr;
  const long long days = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) || end == nullptr ||
      std::string(end) != "d" || days < 1 || days > kMaxDays) {
    return -1;
  }
  return days * 86400;
}

// A time for --since and --before: a duration ago ("30m", "2h", "30d") or a date and time as
// --start takes it.
bool parse_past(const std::string& option, const std::string& text, int64_t& out) {
  std::string error;
  const int64_t now = port::wall_seconds();
  const int64_t days = parse_days(text);
  const int64_t ago = days > 0 ? days : protocol::parse_duration(text);
  out = ago > 0 ? now - ago : parse_start(text, now, error);
  if (out >= 0) return true;
  usage_error(option + ": a duration ago (30m, 2h, 30d) or a time such as " +
              "2026-11-23T22:00:00Z (UTC) or 2026-11-23T22:00 (local)");
  return false;
}

std::string text_or_dash(int64_t unix_seconds, const Context& ctx) {
  return unix_seconds != 0 ? shown_time(ctx, unix_seconds) : "-";
}

// Everything the job is, before its devices' results.
void print_job(const Context& ctx, const Job& job, const Statistics& st) {
  std::printf("%s\n", summary(job, st).c_str());
  std::printf("  type      %s\n", to_string(job.type));
  if (job.type == JobType::device_method) {
    std::printf("  method    %s, payload %s, response timeout %d s\n",
                printable(job.method).c_str(), printable(job.payload).c_str(),
                job.response_timeout_s);
  } else {
    std::printf("  patch     %s%s\n", printable(job.patch).c_str(),
                job.wait_for_ack ? (", waits " + std::to_string(job.response_timeout_s) +
                                    " s for each acknowledgement")
                                       .c_str()
                                 : "");
  }
  std::printf("  query     %s\n", printable(job.query).c_str());
  std::printf("  created   %s\n", text_or_dash(job.created, ctx).c_str());
  std::printf("  start     %s%s%s\n", shown_time(ctx, job.start_time).c_str(),
              job.recurrence.empty() ? "" : ", repeat ", printable(job.recurrence).c_str());
  if (job.run > 0) {
    std::printf("  run %-5d started %s, ended %s\n", job.run,
                text_or_dash(job.started, ctx).c_str(), text_or_dash(job.ended, ctx).c_str());
  }
  std::printf("  limits    maxExecutionTimeInSeconds %d", job.max_execution_s);
  if (job.rate > 0) std::printf(", %g devices a second", job.rate);
  if (job.rate_increase_factor > 0) {
    std::printf(" growing %gx each %d devices succeeded", job.rate_increase_factor,
                job.rate_increase_every);
  }
  if (job.abort_failed_percent >= 0) {
    std::printf(", aborted when more than %g %% of at least %d devices failed",
                job.abort_failed_percent, job.abort_min_devices);
  }
  std::printf("\n");
  if (!job.failure.empty()) std::printf("  failed: %s\n", printable(job.failure).c_str());
}

}  // namespace

int jobs_command(Context& ctx) {
  bool json = false;
  JobFilter filter;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a == "--json") {
      json = true;
    } else if (a != "--status" && a != "--type" && a != "--since") {
      return usage_error("unknown option " + a + " for jobs");
    } else if (!option_value(ctx, a, v)) {
      return kUsage;
    } else if (a == "--status") {
      JobStatus status{};
      if (!parse_job_status(v, status)) {
        return usage_error("--status: queued, scheduled, running, completed, failed or cancelled");
      }
      filter.status = status;
    } else if (a == "--type") {
      JobType type{};
      if (!parse_type(v, type)) {
        return usage_error("--type: method (scheduleDeviceMethod) or twin (scheduleUpdateTwin)");
      }
      filter.type = type;
    } else if (!parse_past(a, v, filter.since)) {
      return kUsage;
    }
  }
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  std::vector<Job> jobs;
  if (!store.all(jobs)) return runtime_error(store.error());
  cJSON* array = cJSON_CreateArray();
  if (!json)
    std::printf("%-28s %-21s %-10s %-20s %s\n", "JOB", "TYPE", "STATUS", "START", "DEVICES");
  for (const Job& job : jobs) {
    if (!filter.keeps(job)) continue;
    Statistics st;
    if (!store.statistics(job.id, job.run, st)) {
      cJSON_Delete(array);
      return runtime_error(store.error());
    }
    if (json) {
      cJSON_AddItemToArray(array, job_json(job, st, nullptr));
      continue;
    }
    std::printf("%-28s %-21s %-10s %-20s %d ok, %d failed of %d\n", job.id.c_str(),
                to_string(job.type), to_string(job.status), shown_time(ctx, job.start_time).c_str(),
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
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    if (ctx.args[ctx.next] != "--json") {
      return usage_error("unknown option " + ctx.args[ctx.next] + " for job");
    }
    json = true;
  }
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
    return exit_code_of(*job, st);
  }
  print_job(ctx, *job, st);
  for (const DeviceResult& r : results) {
    std::printf("  %-20s %-9s %3d %s\n", printable(r.device_id).c_str(), to_string(r.status),
                r.code, printable(r.response).c_str());
  }
  return exit_code_of(*job, st);
}

int purge_command(Context& ctx) {
  int64_t before = -1;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a != "--before") return usage_error("unknown option " + a + " for purge");
    if (!option_value(ctx, a, v) || !parse_past(a, v, before)) return kUsage;
  }
  if (before < 0) return usage_error("--before is missing: the time ended jobs are purged before");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  int removed = 0;
  if (!store.purge(before, removed)) return runtime_error(store.error());
  std::printf("purged %d jobs that ended before %s\n", removed, shown_time(ctx, before).c_str());
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

}  // namespace door::scheduler::cli
