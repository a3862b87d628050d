#pragma once
// Jobs in the IoT Hub service REST API's JSON (api-version 2021-04-12): the JobRequest that
// PUT /jobs/v2/{id} takes, the JobResponse it and GET answer, and the devices.jobs query's items
// (each device's result), mapped to and from the scheduler's own Job, Statistics and DeviceResult.
#include <cjson/cJSON.h>

#include <cstdint>
#include <string>

#include "scheduler/job.hpp"

namespace door::scheduler {

// "2026-11-23T22:00:00.000Z", as the SDKs write startTime (JavaScript's toISOString()).
std::string iso8601(int64_t unix_seconds);
// Unix seconds of an ISO 8601 UTC time ("...Z", fractions allowed, or without a zone as the hub
// writes its *Utc fields); 0 for the hub's "no time" (year 1) and -1 for text that is not one.
int64_t parse_iso8601(const std::string& text);

// The job's condition as a JobRequest's queryCondition wants it: "SELECT * FROM devices WHERE c"
// becomes "c". Empty when the query has no condition (the hub needs one).
std::string query_condition(const std::string& query);

// The JobRequest body of PUT /jobs/v2/{jobId}.
std::string job_request(const Job& job);
// The body of POST /devices/query for this job's devices' results.
std::string device_jobs_query(const std::string& job_id);

// A JobResponse into job (its id, type, status, query, times, failure) and its statistics; false
// with a reason when a member the scheduler relies on is missing or of the wrong type.
bool parse_job_response(const cJSON* json, Job& job, Statistics& statistics, std::string& error);
// One item of the devices.jobs query; false with a reason as above.
bool parse_device_job(const cJSON* json, DeviceResult& result, std::string& error);

}  // namespace door::scheduler
