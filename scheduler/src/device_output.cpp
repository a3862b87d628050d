#include "device_output.hpp"

#include <cstdio>
#include <utility>

#include "cli.hpp"

namespace door::scheduler::cli {

namespace {

std::string text_of(const cJSON* item) {
  if (item == nullptr) return "-";
  if (cJSON_IsString(item)) return item->valuestring;
  char* printed = cJSON_PrintUnformatted(item);
  std::string s = printed != nullptr ? printed : "-";
  cJSON_free(printed);
  return s;
}

// The reported properties other than the device's own (door, agent), as key=value.
std::string reported_summary(const cJSON* reported) {
  std::string out;
  for (const cJSON* item = reported != nullptr ? reported->child : nullptr; item != nullptr;
       item = item->next) {
    const std::string key = item->string;
    if (key == "door" || key == "agent" || key[0] == '$') continue;
    const cJSON* value = cJSON_GetObjectItemCaseSensitive(item, "value");
    const cJSON* code = cJSON_GetObjectItemCaseSensitive(item, "ac");
    out += (out.empty() ? "" : " ") + key + "=" + text_of(value != nullptr ? value : item);
    if (cJSON_IsNumber(code) && code->valueint != 200) out += "(" + text_of(code) + ")";
  }
  return out.empty() ? "-" : out;
}

}  // namespace

void print_device_header() {
  std::printf("%-20s %-7s %-9s %-7s %-8s %s\n", "DEVICE", "ONLINE", "LOCK", "DOOR", "DESIRED",
              "REPORTED");
}

void print_device_row(const std::string& id, bool online, const cJSON* reported,
                      const cJSON* desired) {
  const cJSON* door = cJSON_GetObjectItemCaseSensitive(reported, "door");
  const cJSON* desired_version = cJSON_GetObjectItemCaseSensitive(desired, "$version");
  // Everything but the online flag is the device's own text.
  std::printf("%-20s %-7s %-9s %-7s %-8s %s\n", printable(id).c_str(), online ? "yes" : "no",
              printable(text_of(cJSON_GetObjectItemCaseSensitive(door, "lock"))).c_str(),
              printable(text_of(cJSON_GetObjectItemCaseSensitive(door, "door"))).c_str(),
              printable(text_of(desired_version)).c_str(),
              printable(reported_summary(reported)).c_str());
}

cJSON* device_json(const std::string& id, bool online, const cJSON* status, const cJSON* reported,
                   const cJSON* desired) {
  cJSON* entry = cJSON_CreateObject();
  cJSON_AddStringToObject(entry, "deviceId", id.c_str());
  cJSON_AddBoolToObject(entry, "online", online);
  for (const auto& [name, doc] : {std::pair{"status", status}, std::pair{"reported", reported},
                                  std::pair{"desired", desired}}) {
    cJSON_AddItemToObject(entry, name,
                          doc != nullptr ? cJSON_Duplicate(doc, true) : cJSON_CreateNull());
  }
  return entry;
}

}  // namespace door::scheduler::cli
