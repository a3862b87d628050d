#pragma once
// door-scheduler on Azure IoT Hub: chosen by a service connection string (--iothub, or
// IOTHUB_CONNECTION_STRING). Jobs are the hub's own (jobs/v2): the hub runs them across its fleet,
// the scheduler creates, reads, lists and cancels them and records each it created in the store.
#include <cjson/cJSON.h>

#include <string>

#include "cli.hpp"
#include "scheduler/job.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler::cli {

// Exit status of the hub's failures (docs/scheduler.md).
constexpr int kHubUnauthorized = 4;  // 401: the key or policy name is wrong
constexpr int kHubForbidden = 5;     // 403: the policy lacks the permission
constexpr int kHubNotFound = 6;      // 404: no such job
constexpr int kHubConflict = 7;      // 409: a job with the id exists
constexpr int kHubThrottled = 8;     // 429 after the retries
constexpr int kHubServer = 9;        // 5xx after the retries
constexpr int kHubTls = 10;          // TLS: the hub's certificate did not verify
constexpr int kHubUnreachable = 11;  // the host does not resolve, or no connection

// devices, jobs, job, watch, cancel, serve against the hub.
int hub_command(const std::string& command, Context& ctx);
// schedule, once the job is checked: creates it on the hub (or, with a recurrence, records it for
// serve), and with wait follows it to its end.
int hub_schedule(Context& ctx, Job& job, bool wait, bool json);

}  // namespace door::scheduler::cli
