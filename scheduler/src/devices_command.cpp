// door-scheduler devices: the fleet as the broker's retained documents show it.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include "cli.hpp"
#include "port/clock.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/query.hpp"

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

// Unix seconds of an ISO 8601 UTC time as the agents write it ("2026-11-23T21:00:00Z"), or -1.
int64_t utc_seconds(const cJSON* item) {
  if (!cJSON_IsString(item)) return -1;
  tm parts{};
  const char* end = strptime(item->valuestring, "%Y-%m-%dT%H:%M:%S", &parts);
  if (end == nullptr || (*end != 'Z' && *end != '.')) return -1;
  return static_cast<int64_t>(timegm(&parts));
}

// When the device was last seen: now while its retained status says online; else when it went
// offline (disconnectedAt; a last will carries no time, so then when it last connected).
int64_t last_seen(const Device& device, int64_t now) {
  if (device.online()) return now;
  const int64_t gone =
      utc_seconds(cJSON_GetObjectItemCaseSensitive(device.status.get(), "disconnectedAt"));
  return gone >= 0
             ? gone
             : utc_seconds(cJSON_GetObjectItemCaseSensitive(device.status.get(), "connectedAt"));
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

int list_devices(const Fleet& fleet, const Query* query, bool json) {
  cJSON* array = cJSON_CreateArray();
  const int64_t now = port::wall_seconds();
  if (!json) {
    std::printf("%-20s %-7s %-9s %-9s %-7s %-8s %s\n", "DEVICE", "ONLINE", "SEEN", "LOCK", "DOOR",
                "DESIRED", "REPORTED");
  }
  int matched = 0;
  for (const auto& [id, device] : fleet.devices()) {
    if (query != nullptr && !query->matches(device.view())) continue;
    ++matched;
    const cJSON* door = cJSON_GetObjectItemCaseSensitive(device.reported.get(), "door");
    const cJSON* desired_version =
        cJSON_GetObjectItemCaseSensitive(device.desired.get(), "$version");
    if (json) {
      cJSON* entry = cJSON_CreateObject();
      cJSON_AddStringToObject(entry, "deviceId", id.c_str());
      cJSON_AddBoolToObject(entry, "online", device.online());
      cJSON_AddStringToObject(entry, "connectionState",
                              device.online() ? "Connected" : "Disconnected");
      const int64_t seen = last_seen(device, now);
      if (seen >= 0) cJSON_AddStringToObject(entry, "lastActivityTime", iso_utc(seen).c_str());
      for (const auto& [name, doc] :
           {std::pair{"status", device.status.get()}, std::pair{"reported", device.reported.get()},
            std::pair{"desired", device.desired.get()}}) {
        cJSON_AddItemToObject(entry, name,
                              doc != nullptr ? cJSON_Duplicate(doc, true) : cJSON_CreateNull());
      }
      cJSON_AddItemToArray(array, entry);
      continue;
    }
    // Everything but the online flag and the age is the device's own text. An offline device's
    // lock and door are what it last reported: shown in parentheses, not as the present state.
    const auto state = [&device](const cJSON* value) {
      const std::string text = printable(text_of(value));
      return device.online() || text == "-" ? text : "(" + text + ")";
    };
    std::printf("%-20s %-7s %-9s %-9s %-7s %-8s %s\n", printable(id).c_str(),
                device.online() ? "yes" : "no", age(last_seen(device, now), now).c_str(),
                state(cJSON_GetObjectItemCaseSensitive(door, "lock")).c_str(),
                state(cJSON_GetObjectItemCaseSensitive(door, "door")).c_str(),
                printable(text_of(desired_version)).c_str(),
                printable(reported_summary(device.reported.get())).c_str());
  }
  if (json) {
    char* printed = cJSON_Print(array);
    std::printf("%s\n", printed);
    cJSON_free(printed);
  }
  cJSON_Delete(array);
  if (matched == 0) {
    std::fprintf(stderr, "door-scheduler: warning: %s\n",
                 query != nullptr ? "the query matched no device" : "the broker knows no device");
  }
  // Said, not hidden: a view without a document the device's others promise is incomplete.
  for (const std::string& id : fleet.incomplete()) {
    std::fprintf(stderr,
                 "incomplete view: devices/%s/twin/desired did not arrive (the device applied "
                 "$version %lld)\n",
                 printable(id).c_str(),
                 static_cast<long long>(fleet.devices().at(id).applied_version()));
  }
  return fleet.incomplete().empty() ? kOk : kError;
}

}  // namespace

int devices_command(Context& ctx) {
  Query query;
  bool has_query = false;
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string& a = ctx.args[ctx.next];
    std::string v;
    if (a == "--json") {
      json = true;
    } else if (a == "--query") {
      std::string error;
      if (!option_value(ctx, a, v)) return kUsage;
      if (!query.parse(v, error)) return usage_error(error);
      has_query = true;
    } else {
      return usage_error("unknown option " + a + " for devices");
    }
  }
  BrokerClient client(ctx.broker);
  Fleet fleet;
  std::string error;
  if (!client.connect(error) || !fleet.load(client, error)) return runtime_error(error);
  return list_devices(fleet, has_query ? &query : nullptr, json);
}

}  // namespace door::scheduler::cli
