#pragma once
// Jobs in the IoT Hub service REST API's JSON (api-version 2021-04-12): the JobRequest that
// PUT /jobs/v2/{id} takes, the JobResponse it and GET answer, and the devices.jobs query's items
// (each device's result), mapped to and from the scheduler's own Job, Statistics and DeviceResult.
#include <cjson/cJSON.h>

#include <cstdint>
#include <string>

#include "scheduler/job.hpp"
#include "scheduler/utc_time.hpp"

namespace door::scheduler {

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
