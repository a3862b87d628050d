#pragma once
// How jobs are shown, the same for both backends (the broker's own runs and IoT Hub's jobs): IoT
// Hub's JSON, the summary line, the `jobs` table, the `job` details, the exit status.
#include <cjson/cJSON.h>

#include <string>
#include <vector>

#include "cli.hpp"
#include "scheduler/job.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler::cli {

// Opens the store named by the context; false after a one-line message.
bool open_store(const Context& ctx, JobStore& store);
// The job as IoT Hub's jobs API answers it (times in ISO 8601 UTC), with the scheduler's
// additions (repeat, rate, waitForAcknowledgement, run), and its devices when given.
cJSON* job_json(const Job& job, const Statistics& st, const std::vector<DeviceResult>* results);
// Prints the JSON on stdout and frees it.
void print_json(cJSON* json);
// A JSON text a device sent or the store holds, as JSON; text that does not parse stays a string.
cJSON* json_or_string(const std::string& text);
// "job ID STATUS: deviceCount N, succeeded N, failed N, running N, pending N"
std::string summary(const Job& job, const Statistics& st);
// 1 when the job failed, 3 when it was cancelled or a device failed, else 0.
int exit_code_of(const Job& job, const Statistics& st);
// How a run ended, followed by --wait or watch: the JSON on stdout, or the summary line (and the
// failure); the warning when nothing matched; returns the exit status.
int print_outcome(const Job& job, const Statistics& st, const std::vector<DeviceResult>& results,
                  bool json);
// A job over no device completes, but hardly as meant (a typo in the query, a fleet offline):
// said on stderr.
void warn_if_nothing_matched(const Job& job, const Statistics& st);
// The `jobs` table; where: "broker", or the host of the IoT Hub the job lives on.
void print_job_header();
void print_job_row(const Context& ctx, const Job& job, const Statistics& st,
                   const std::string& where);
// The `job ID` view: everything the job is, then each device's result.
void print_job(const Context& ctx, const Job& job, const Statistics& st,
               const std::vector<DeviceResult>& results);

}  // namespace door::scheduler::cli
