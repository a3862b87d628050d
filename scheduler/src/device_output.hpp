#pragma once
// How devices are shown, the same for both backends: a table row (online, when last seen, lock and
// door state, desired $version, reported properties) or a JSON entry with IoT Hub's names.
#include <cjson/cJSON.h>

#include <cstdint>
#include <string>

#include "cli.hpp"
#include "scheduler/query.hpp"

namespace door::scheduler::cli {

// The options of `devices`, the same on both backends.
struct DevicesOptions {
  bool has_query = false;
  Query query;             // checked in the scheduler's subset, as schedule checks it
  std::string query_text;  // as given
  bool json = false;
};
// kOk, or kUsage after a one-line message.
int parse_devices_options(Context& ctx, DevicesOptions& out);

// What a device is, as either backend knows it. last_seen: Unix seconds, -1 when unknown.
struct DeviceView {
  std::string id;
  bool online = false;
  int64_t last_seen = -1;
  const cJSON* status = nullptr;  // the broker's retained status document; none on IoT Hub
  const cJSON* reported = nullptr;
  const cJSON* desired = nullptr;
};

// Unix seconds of an ISO 8601 UTC time as the agents and IoT Hub write it
// ("2026-11-23T21:00:00Z", "2026-11-23T21:00:00.123Z"), or -1.
int64_t utc_seconds(const cJSON* item);

void print_device_header();
void print_device_row(const DeviceView& device, int64_t now);
// {"deviceId", "online", "connectionState", "lastActivityTime", "status", "reported", "desired"};
// absent documents are null.
cJSON* device_json(const DeviceView& device);
// The warning when no device is listed: what was asked matched nothing.
void warn_if_no_device(bool had_query, const char* where);

}  // namespace door::scheduler::cli
