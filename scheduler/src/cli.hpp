#pragma once
// What the door-scheduler commands share: connection and store settings, exit codes, messages.
#include <string>
#include <string_view>
#include <vector>

#include "port/secret.hpp"
#include "scheduler/broker_client.hpp"
#include "scheduler/utc_time.hpp"

namespace door::scheduler::cli {

constexpr int kOk = 0;
constexpr int kError = 1;    // the broker or the store failed, or a job failed
constexpr int kUsage = 2;    // bad usage: unknown option, malformed query or JSON
constexpr int kPartial = 3;  // a job ended with some devices failed or canceled

struct Context {
  BrokerSettings broker;
  port::SecretString iothub;  // a service connection string: the IoT Hub backend (never printed)
  std::string store_path;
  bool local_time = false;  // show times in the machine's local time (with its zone), not UTC
  std::vector<std::string> global_args;  // the options before the command, for child processes
  std::vector<std::string> args;         // the command's own arguments
  std::size_t next = 0;
};

int usage_error(const std::string& what);
int runtime_error(const std::string& what);
// The value after option `name` in the command's arguments; false (after a usage message) when
// it is missing.
bool option_value(Context& ctx, const std::string& name, std::string& out);
// Text a device or the store supplied, made safe for a terminal: control characters (C0, DEL and
// C1) are shown escaped (\n, \x1b) so they cannot forge lines or move the cursor.
std::string printable(std::string_view text);
// A time as the operator asked to see it: UTC with Z, or local time with its zone
// ("2026-11-23 23:00:00 CET +0100").
std::string shown_time(const Context& ctx, int64_t unix_seconds);

// A JSON argument as the agents will read it: one whole document, each member named once; false
// with a reason naming the option.
bool user_json(const char* option, const std::string& text, std::string& error);
// A job id for a job scheduled without --id: job-<Unix seconds>-<4 random hex digits>.
std::string generated_id();
// A time for --since and --before: a duration ago ("30m", "2h", "30d") or a date and time as
// --start takes it; false after a usage message naming the option.
bool parse_past(const std::string& option, const std::string& text, int64_t& out);
// A log line of serve, run and record, with its time (UTC ISO 8601) first, on stdout; one write,
// so the lines of serve's processes do not mix.
void log_line(const std::string& text);

int devices_command(Context& ctx);
int schedule_command(Context& ctx);
int jobs_command(Context& ctx);
int job_command(Context& ctx);
int cancel_command(Context& ctx);
int serve_command(Context& ctx);
int watch_command(Context& ctx);
int purge_command(Context& ctx);
int run_command(Context& ctx);
int call_command(Context& ctx);
int twin_command(Context& ctx);
int monitor_command(Context& ctx);
int record_command(Context& ctx);
int events_command(Context& ctx);

}  // namespace door::scheduler::cli
