#pragma once
// What the door-scheduler commands share: connection and store settings, exit codes, messages.
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/broker_client.hpp"

namespace door::scheduler::cli {

constexpr int kOk = 0;
constexpr int kError = 1;    // the broker or the store failed, or a job failed
constexpr int kUsage = 2;    // bad usage: unknown option, malformed query or JSON
constexpr int kPartial = 3;  // a job ended with some devices failed or canceled

struct Context {
  BrokerSettings broker;
  std::string iothub;  // a service connection string: the IoT Hub backend (never printed)
  std::string store_path;
  std::vector<std::string> args;  // the command's own arguments
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
// Unix seconds as local "YYYY-MM-DD HH:MM:SS".
std::string local_time(int64_t unix_seconds);

int devices_command(Context& ctx);
int schedule_command(Context& ctx);
int jobs_command(Context& ctx);
int job_command(Context& ctx);
int cancel_command(Context& ctx);
int serve_command(Context& ctx);

}  // namespace door::scheduler::cli
