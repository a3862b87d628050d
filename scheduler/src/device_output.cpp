#include "device_output.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

#include "cli.hpp"
#include "protocol/topics.hpp"

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

// The reported properties other than the device's own (door, agent, eventJournal), as key=value.
std::string reported_summary(const cJSON* reported) {
  std::string out;
  for (const cJSON* item = reported != nullptr ? reported->child : nullptr; item != nullptr;
       item = item->next) {
    const std::string key = item->string;
    if (protocol::device_reported_member(key) || key[0] == '$') continue;
    const cJSON* value = cJSON_GetObjectItemCaseSensitive(item, "value");
    const cJSON* code = cJSON_GetObjectItemCaseSensitive(item, "ac");
    out += (out.empty() ? "" : " ") + key + "=" + text_of(value != nullptr ? value : item);
    if (cJSON_IsNumber(code) && code->valueint != 200) out += "(" + text_of(code) + ")";
  }
  return out.empty() ? "-" : out;
}

std::string age(int64_t seen, int64_t now) {
  if (seen < 0) return "-";
  const int64_t seconds = std::max<int64_t>(0, now - seen);
  if (seconds < 5) return "now";
  char text[24];
  if (seconds < 120) {
    std::snprintf(text, sizeof text, "%llds ago", static_cast<long long>(seconds));
  } else if (seconds < 7200) {
    std::snprintf(text, sizeof text, "%lldm ago", static_cast<long long>(seconds / 60));
  } else if (seconds < 2 * 86400) {
    std::snprintf(text, sizeof text, "%lldh ago", static_cast<long long>(seconds / 3600));
  } else {
    std::snprintf(text, sizeof text, "%lldd ago", static_cast<long long>(seconds / 86400));
  }
  return text;
}

}  // namespace

int parse_devices_options(Context& ctx, DevicesOptions& out) {
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string& a = ctx.args[ctx.next];
    std::string error;
    if (a == "--json") {
      out.json = true;
    } else if (a != "--query") {
      return usage_error("unknown option " + a + " for devices");
    } else if (!option_value(ctx, a, out.query_text)) {
      return kUsage;
    } else if (!out.query.parse(out.query_text, error)) {
      return usage_error(error);
    } else {
      out.has_query = true;
    }
  }
  return kOk;
}

int64_t utc_seconds(const cJSON* item) {
  if (!cJSON_IsString(item)) return -1;
  tm parts{};
  const char* end = strptime(item->valuestring, "%Y-%m-%dT%H:%M:%S", &parts);
  if (end == nullptr || (*end != 'Z' && *end != '.')) return -1;
  const int64_t seconds = static_cast<int64_t>(timegm(&parts));
  return seconds > 0 ? seconds : -1;  // IoT Hub writes 0001-01-01T00:00:00Z for never
}

void print_device_header() {
  std::printf("%-20s %-7s %-9s %-9s %-7s %-8s %s\n", "DEVICE", "ONLINE", "SEEN", "LOCK", "DOOR",
              "DESIRED", "REPORTED");
}

void print_device_row(const DeviceView& device, int64_t now) {
  const cJSON* door = cJSON_GetObjectItemCaseSensitive(device.reported, "door");
  const cJSON* desired_version = cJSON_GetObjectItemCaseSensitive(device.desired, "$version");
  // Everything but the online flag and the age is the device's own text. An offline device's
  // lock and door are what it last reported: shown in parentheses, not as the present state.
  const auto state = [&device](const cJSON* value) {
    const std::string text = printable(text_of(value));
    return device.online || text == "-" ? text : "(" + text + ")";
  };
  std::printf("%-20s %-7s %-9s %-9s %-7s %-8s %s\n", printable(device.id).c_str(),
              device.online ? "yes" : "no", age(device.last_seen, now).c_str(),
              state(cJSON_GetObjectItemCaseSensitive(door, "lock")).c_str(),
              state(cJSON_GetObjectItemCaseSensitive(door, "door")).c_str(),
              printable(text_of(desired_version)).c_str(),
              printable(reported_summary(device.reported)).c_str());
}

cJSON* device_json(const DeviceView& device) {
  cJSON* entry = cJSON_CreateObject();
  cJSON_AddStringToObject(entry, "deviceId", device.id.c_str());
  cJSON_AddBoolToObject(entry, "online", device.online);
  cJSON_AddStringToObject(entry, "connectionState", device.online ? "Connected" : "Disconnected");
  if (device.last_seen >= 0) {
    cJSON_AddStringToObject(entry, "lastActivityTime", iso_utc(device.last_seen).c_str());
  }
  for (const auto& [name, doc] :
       {std::pair{"status", device.status}, std::pair{"reported", device.reported},
        std::pair{"desired", device.desired}}) {
    cJSON_AddItemToObject(entry, name,
                          doc != nullptr ? cJSON_Duplicate(doc, true) : cJSON_CreateNull());
  }
  return entry;
}

void warn_if_no_device(bool had_query, const char* where) {
  std::fprintf(stderr, "door-scheduler: warning: %s%s\n",
               had_query ? "the query matched no device" : where,
               had_query ? "" : " knows no device");
}

}  // namespace door::scheduler::cli
