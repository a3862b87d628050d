#pragma once
// How jobs are shown, the same for both backends (the broker's own runs and IoT Hub's jobs): the
// JSON form (as IoT Hub reports jobs), the one-line summary, the `jobs` table, the `job` details,
// live progress lines and the exit status a job's end gives.
#include <cjson/cJSON.h>

#include <string>
#include <vector>

#include "scheduler/job.hpp"

namespace door::scheduler::cli {

cJSON* job_json(const Job& job, const Statistics& st, const std::vector<DeviceResult>* results);
// Prints and frees the JSON.
void print_json(cJSON* json);
std::string summary(const Job& job, const Statistics& st);
int exit_code_of(const Job& job, const Statistics& st);
// A device's result as it ends, with the job's counts so far.
void print_progress(const Job&, const Statistics& st, const DeviceResult& r);
// The `jobs` table; where: "broker", or the host of the IoT Hub the job lives on.
void print_job_header();
void print_job_row(const Job& job, const Statistics& st, const std::string& where);
// The `job ID` view: summary, parameters, failure and each device's result.
void print_job(const Job& job, const Statistics& st, const std::vector<DeviceResult>& results);

}  // namespace door::scheduler::cli
