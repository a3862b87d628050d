#pragma once
// How devices are shown, the same for both backends: a table row (online, lock and door state,
// desired $version, reported properties) or a JSON entry.
#include <cjson/cJSON.h>

#include <string>

namespace door::scheduler::cli {

void print_device_header();
void print_device_row(const std::string& id, bool online, const cJSON* reported,
                      const cJSON* desired);
// {"deviceId", "online", "status", "reported", "desired"}; absent documents are null.
cJSON* device_json(const std::string& id, bool online, const cJSON* status, const cJSON* reported,
                   const cJSON* desired);

}  // namespace door::scheduler::cli
