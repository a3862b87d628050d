#include "job_output.hpp"

#include <cstdio>

#include "cli.hpp"
#include "protocol/json_document.hpp"

namespace door::scheduler::cli {

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
      cJSON* payload = protocol::parse_json_document(r.response);
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

void print_job_header() {
  std::printf("%-28s %-21s %-10s %-20s %-22s %s\n", "JOB", "TYPE", "STATUS", "START", "DEVICES",
              "WHERE");
}

void print_job_row(const Job& job, const Statistics& st, const std::string& where) {
  const std::string devices = std::to_string(st.succeeded) + " ok, " + std::to_string(st.failed) +
                              " failed of " + std::to_string(st.device_count);
  std::printf("%-28s %-21s %-10s %-20s %-22s %s\n", printable(job.id).c_str(), to_string(job.type),
              to_string(job.status), local_time(job.start_time).c_str(), devices.c_str(),
              printable(where).c_str());
}

void print_job(const Job& job, const Statistics& st, const std::vector<DeviceResult>& results) {
  std::printf("%s\n", summary(job, st).c_str());
  std::printf("  type %s, query %s, start %s%s%s\n", to_string(job.type),
              printable(job.query).c_str(), local_time(job.start_time).c_str(),
              job.recurrence.empty() ? "" : ", repeat ", job.recurrence.c_str());
  if (!job.failure.empty()) std::printf("  failed: %s\n", printable(job.failure).c_str());
  for (const DeviceResult& r : results) {
    std::printf("  %-20s %-9s %3d %s\n", printable(r.device_id).c_str(), to_string(r.status),
                r.code, printable(r.response).c_str());
  }
}

}  // namespace door::scheduler::cli
