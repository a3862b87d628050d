// door-scheduler jobs, job, cancel, purge: the store's jobs, read and tidied.
#include <cstdio>
#include <optional>

#include "cli.hpp"
#include "job_output.hpp"
#include "scheduler/job_store.hpp"

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
  if (!json) print_job_header();
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
    print_job_row(ctx, job, st, "broker");
  }
  // The jobs created on IoT Hub, where the store recorded them: the hub keeps their counts
  // (door-scheduler --iothub-file FILE job ID reads them).
  std::vector<JobStore::HubJob> records;
  if (!store.hub_jobs(records)) {
    cJSON_Delete(array);
    return runtime_error(store.error());
  }
  for (const JobStore::HubJob& record : records) {
    if (!filter.keeps(record.job)) continue;
    const Statistics none;
    if (json) {
      cJSON* entry = job_json(record.job, none, nullptr);
      cJSON_AddStringToObject(entry, "where", record.host.c_str());
      cJSON_AddItemToArray(array, entry);
    } else {
      print_job_row(ctx, record.job, none, record.host);
    }
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
  print_job(ctx, *job, st, results);
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
