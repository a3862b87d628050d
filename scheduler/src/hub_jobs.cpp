#include "scheduler/hub_jobs.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "protocol/json_document.hpp"

namespace door::scheduler {

namespace {

struct Deleter {
  void operator()(cJSON* json) const { cJSON_Delete(json); }
};

std::string printed(cJSON* json) {
  char* text = cJSON_PrintUnformatted(json);
  std::string out = text != nullptr ? text : "";
  cJSON_free(text);
  cJSON_Delete(json);
  return out;
}

const cJSON* member(const cJSON* json, const char* name) {
  return cJSON_GetObjectItemCaseSensitive(json, name);
}

std::string text_member(const cJSON* json, const char* name) {
  const cJSON* item = member(json, name);
  return cJSON_IsString(item) ? item->valuestring : "";
}

int int_member(const cJSON* json, const char* name) {
  const cJSON* item = member(json, name);
  return cJSON_IsNumber(item) ? item->valueint : 0;
}

// The hub's job status in the scheduler's terms: "pending" (accepted, not yet queued) and
// "unknown" wait as queued does.
bool job_status(const std::string& text, JobStatus& out) {
  if (text == "pending" || text == "unknown") {
    out = JobStatus::queued;
    return true;
  }
  return parse_job_status(text, out);
}

// Per device the hub also says "scheduled": not started yet, as pending.
bool device_status(const std::string& text, DeviceStatus& out) {
  if (text == "scheduled") {
    out = DeviceStatus::pending;
    return true;
  }
  return parse_device_status(text, out);
}

}  // namespace

std::string query_condition(const std::string& query) {
  std::string lower;
  for (char c : query) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto start = lower.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  if (lower.compare(start, 6, "select") != 0) return query.substr(start);
  const auto where = lower.find(" where ");
  if (where == std::string::npos) return "";
  const auto condition = query.find_first_not_of(" \t", where + 7);
  return condition == std::string::npos ? "" : query.substr(condition);
}

std::string job_request(const Job& job) {
  cJSON* body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "jobId", job.id.c_str());
  cJSON_AddStringToObject(body, "type", to_string(job.type));
  if (job.type == JobType::device_method) {
    cJSON* method = cJSON_AddObjectToObject(body, "cloudToDeviceMethod");
    cJSON_AddStringToObject(method, "methodName", job.method.c_str());
    cJSON* payload = protocol::parse_json_document(job.payload);
    cJSON_AddItemToObject(method, "payload", payload != nullptr ? payload : cJSON_CreateNull());
    cJSON_AddNumberToObject(method, "responseTimeoutInSeconds", job.response_timeout_s);
  } else {
    cJSON* twin = cJSON_AddObjectToObject(body, "updateTwin");
    cJSON_AddStringToObject(twin, "etag", "*");
    cJSON* properties = cJSON_AddObjectToObject(twin, "properties");
    cJSON* patch = protocol::parse_json_document(job.patch);
    cJSON_AddItemToObject(properties, "desired", patch != nullptr ? patch : cJSON_CreateObject());
  }
  cJSON_AddStringToObject(body, "startTime", iso8601(job.start_time).c_str());
  cJSON_AddNumberToObject(body, "maxExecutionTimeInSeconds", job.max_execution_s);
  cJSON_AddStringToObject(body, "queryCondition", query_condition(job.query).c_str());
  return printed(body);
}

std::string device_jobs_query(const std::string& job_id) {
  cJSON* body = cJSON_CreateObject();
  cJSON_AddStringToObject(
      body, "query",
      ("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '" + job_id + "'").c_str());
  return printed(body);
}

bool parse_job_response(const cJSON* json, Job& job, Statistics& st, std::string& error) {
  const std::string id = text_member(json, "jobId");
  const std::string type = text_member(json, "type");
  const std::string status = text_member(json, "status");
  if (!cJSON_IsObject(json) || id.empty() || !valid_job_id(id)) {
    error = "the hub's job has no valid jobId";
    return false;
  }
  if (type != "scheduleDeviceMethod" && type != "scheduleUpdateTwin") {
    error = "job " + id + " is of a type door-scheduler does not run: '" + type + "'";
    return false;
  }
  if (!job_status(status, job.status)) {
    error = "job " + id + " has an unknown status '" + status + "'";
    return false;
  }
  job.id = id;
  job.type = type == "scheduleDeviceMethod" ? JobType::device_method : JobType::update_twin;
  job.query = text_member(json, "queryCondition");
  job.start_time = std::max<int64_t>(0, parse_iso8601(text_member(json, "startTime")));
  job.created = std::max<int64_t>(0, parse_iso8601(text_member(json, "createdTime")));
  job.ended = std::max<int64_t>(0, parse_iso8601(text_member(json, "endTime")));
  job.max_execution_s = int_member(json, "maxExecutionTimeInSeconds");
  job.failure = text_member(json, "failureReason");
  job.run = 1;
  const cJSON* method = member(json, "cloudToDeviceMethod");
  job.method = text_member(method, "methodName");
  const cJSON* stats = member(json, "deviceJobStatistics");
  st = Statistics{};
  st.device_count = int_member(stats, "deviceCount");
  st.succeeded = int_member(stats, "succeededCount");
  st.failed = int_member(stats, "failedCount");
  st.running = int_member(stats, "runningCount");
  st.pending = int_member(stats, "pendingCount");
  return true;
}

bool parse_device_job(const cJSON* json, DeviceResult& r, std::string& error) {
  r = DeviceResult{};
  r.device_id = text_member(json, "deviceId");
  const std::string status = text_member(json, "status");
  if (r.device_id.empty() || !device_status(status, r.status)) {
    error = "a device's job result without deviceId or with an unknown status '" + status + "'";
    return false;
  }
  r.started = std::max<int64_t>(0, parse_iso8601(text_member(json, "startTimeUtc")));
  r.ended = std::max<int64_t>(0, parse_iso8601(text_member(json, "endTimeUtc")));
  const cJSON* answer = member(member(json, "outcome"), "deviceMethodResponse");
  const cJSON* failure = member(json, "error");
  if (answer != nullptr) {
    r.code = int_member(answer, "status");
    const cJSON* payload = member(answer, "payload");
    if (payload != nullptr) {
      char* text = cJSON_PrintUnformatted(payload);
      r.response = text != nullptr ? text : "";
      cJSON_free(text);
    }
  }
  if (failure != nullptr) {
    const std::string code = text_member(failure, "code");
    const std::string description = text_member(failure, "description");
    r.response = code + (description.empty() ? "" : ": " + description);
  }
  if (r.status == DeviceStatus::completed && r.code == 0 && answer == nullptr) r.code = 200;
  return true;
}

}  // namespace door::scheduler
