#include "job_output.hpp"

#include <cstdio>

#include "protocol/json_document.hpp"

namespace door::scheduler::cli {

cJSON* json_or_string(const std::string& text) {
  cJSON* parsed = protocol::parse_json_document(text);
  return parsed != nullptr ? parsed : cJSON_CreateString(text.c_str());
}

namespace {

cJSON* device_json(const Job& job, const DeviceResult& r) {
  cJSON* d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "deviceId", r.device_id.c_str());
  cJSON_AddStringToObject(d, "jobId", job.id.c_str());
  cJSON_AddStringToObject(d, "status", to_string(r.status));
  if (r.started != 0) cJSON_AddStringToObject(d, "startTimeUtc", iso_utc(r.started).c_str());
  if (r.ended != 0) cJSON_AddStringToObject(d, "endTimeUtc", iso_utc(r.ended).c_str());
  const bool answered = job.type == JobType::device_method && r.code >= 200 &&
                        (r.status == DeviceStatus::completed || r.status == DeviceStatus::failed);
  if (answered && r.code != 404 && r.code != 504) {
    cJSON* response =
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(d, "outcome"), "deviceMethodResponse");
    cJSON_AddNumberToObject(response, "status", r.code);
    cJSON_AddItemToObject(response, "payload", json_or_string(r.response));
  } else if (r.status == DeviceStatus::failed || r.status == DeviceStatus::canceled) {
    cJSON* error = cJSON_AddObjectToObject(d, "error");
    cJSON_AddNumberToObject(error, "code", r.code);
    cJSON_AddStringToObject(error, "description", r.response.c_str());
  } else if (r.status == DeviceStatus::completed) {
    cJSON* outcome = cJSON_AddObjectToObject(d, "outcome");
    cJSON_AddNumberToObject(outcome, "status", r.code);
    cJSON_AddStringToObject(outcome, "description", r.response.c_str());
  }
  return d;
}

std::string text_or_dash(int64_t unix_seconds, const Context& ctx) {
  return unix_seconds != 0 ? shown_time(ctx, unix_seconds) : "-";
}

// Everything the job is, before its devices' results.
void print_job_details(const Context& ctx, const Job& job, const Statistics& st) {
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
  if (job.created != 0) cJSON_AddStringToObject(j, "createdTime", iso_utc(job.created).c_str());
  cJSON_AddStringToObject(j, "startTime", iso_utc(job.start_time).c_str());
  if (job.ended != 0) cJSON_AddStringToObject(j, "endTime", iso_utc(job.ended).c_str());
  cJSON_AddNumberToObject(j, "maxExecutionTimeInSeconds", job.max_execution_s);
  if (job.type == JobType::device_method) {
    cJSON* method = cJSON_AddObjectToObject(j, "cloudToDeviceMethod");
    cJSON_AddStringToObject(method, "methodName", job.method.c_str());
    cJSON_AddItemToObject(method, "payload", json_or_string(job.payload));
    cJSON_AddNumberToObject(method, "responseTimeoutInSeconds", job.response_timeout_s);
  } else {
    cJSON* twin = cJSON_AddObjectToObject(j, "updateTwin");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(twin, "properties"), "desired",
                          json_or_string(job.patch));
    cJSON_AddStringToObject(twin, "etag", "*");
    cJSON_AddBoolToObject(j, "waitForAcknowledgement", job.wait_for_ack);
    cJSON_AddNumberToObject(j, "acknowledgementTimeoutInSeconds", job.response_timeout_s);
  }
  if (!job.recurrence.empty()) cJSON_AddStringToObject(j, "repeat", job.recurrence.c_str());
  if (job.rate > 0) {
    // As AWS IoT Jobs names its rollout, in devices a second.
    cJSON* rollout = cJSON_AddObjectToObject(j, "rolloutConfig");
    cJSON_AddNumberToObject(rollout, "ratePerSecond", job.rate);
    if (job.rate_increase_factor > 0) {
      cJSON_AddNumberToObject(rollout, "incrementFactor", job.rate_increase_factor);
      cJSON_AddNumberToObject(rollout, "numberOfSucceededDevices", job.rate_increase_every);
    }
  }
  if (job.abort_failed_percent >= 0) {
    cJSON* abort = cJSON_AddObjectToObject(j, "abortConfig");
    cJSON_AddNumberToObject(abort, "thresholdPercentage", job.abort_failed_percent);
    cJSON_AddNumberToObject(abort, "minNumberOfExecutedDevices", job.abort_min_devices);
  }
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
    for (const DeviceResult& r : *results) cJSON_AddItemToArray(devices, device_json(job, r));
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

void warn_if_nothing_matched(const Job& job, const Statistics& st) {
  if (st.device_count != 0 || job.status == JobStatus::cancelled) return;
  std::fprintf(stderr, "door-scheduler: warning: job %s: the query matched no device: %s\n",
               job.id.c_str(), printable(job.query).c_str());
}

int print_outcome(const Job& job, const Statistics& st, const std::vector<DeviceResult>& results,
                  bool json) {
  if (json) {
    print_json(job_json(job, st, &results));
  } else {
    std::printf("%s\n", summary(job, st).c_str());
    if (!job.failure.empty()) std::printf("  failed: %s\n", printable(job.failure).c_str());
  }
  warn_if_nothing_matched(job, st);
  return exit_code_of(job, st);
}

void print_job_header() {
  std::printf("%-28s %-21s %-10s %-20s %-22s %s\n", "JOB", "TYPE", "STATUS", "START", "DEVICES",
              "WHERE");
}

void print_job_row(const Context& ctx, const Job& job, const Statistics& st,
                   const std::string& where) {
  const std::string devices = std::to_string(st.succeeded) + " ok, " + std::to_string(st.failed) +
                              " failed of " + std::to_string(st.device_count);
  std::printf("%-28s %-21s %-10s %-20s %-22s %s\n", printable(job.id).c_str(), to_string(job.type),
              to_string(job.status), shown_time(ctx, job.start_time).c_str(), devices.c_str(),
              printable(where).c_str());
}

void print_job(const Context& ctx, const Job& job, const Statistics& st,
               const std::vector<DeviceResult>& results) {
  print_job_details(ctx, job, st);
  for (const DeviceResult& r : results) {
    std::printf("  %-20s %-9s %3d %s\n", printable(r.device_id).c_str(), to_string(r.status),
                r.code, printable(r.response).c_str());
  }
}

}  // namespace door::scheduler::cli
