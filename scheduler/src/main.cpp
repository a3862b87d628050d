// door-scheduler: the host side of a door fleet on an MQTT broker. Lists the devices (and those a
// query selects) as their retained documents show them.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/broker_client.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/query.hpp"

namespace {

using door::scheduler::BrokerClient;
using door::scheduler::BrokerSettings;
using door::scheduler::Fleet;
using door::scheduler::Query;

constexpr int kOk = 0;
constexpr int kError = 1;
constexpr int kUsage = 2;

const char* kUsageText =
    "usage: door-scheduler [connection options] <command> [command options]\n"
    "\n"
    "commands:\n"
    "  devices [--query Q] [--json]   the fleet as the broker's retained documents show it;\n"
    "                                 Q selects devices, e.g. \"properties.reported.floor = 3\"\n"
    "  help [command]                 this text, or a command's\n"
    "\n"
    "connection options (the broker dialect, TLS):\n"
    "  --broker HOST[:PORT]   default localhost:8883\n"
    "  --ca FILE              CA certificates that sign the broker's certificate\n"
    "  --user NAME            default scheduler\n"
    "  --password-file FILE   the password (or set DOOR_SCHEDULER_PASSWORD)\n"
    "  --cert FILE --key FILE a client certificate instead of a password\n"
    "  --version\n";

const char* kDevicesHelp =
    "usage: door-scheduler [connection options] devices [--query Q] [--json]\n"
    "\n"
    "Lists every device that has a status, reported or desired document on the broker: online\n"
    "state, lock and door state, desired and acknowledged versions, reported properties.\n"
    "--query takes the IoT Hub query subset: SELECT * FROM devices WHERE <condition>, or the\n"
    "condition alone: deviceId = 'd1', deviceId IN ['a','b'], properties.reported.floor >= 3,\n"
    "properties.desired.building = 43, status.online = true, is_defined(...), AND, OR, NOT, ().\n"
    "--json prints a JSON array for scripts. Exit status: 0 listed, 1 broker error, 2 bad usage.\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "door-scheduler: %s (see door-scheduler help)\n", what.c_str());
  return kUsage;
}

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

int list_devices(const Fleet& fleet, const Query* query, bool json) {
  cJSON* array = cJSON_CreateArray();
  if (!json) {
    std::printf("%-20s %-7s %-9s %-7s %-8s %s\n", "DEVICE", "ONLINE", "LOCK", "DOOR", "DESIRED",
                "REPORTED");
  }
  for (const auto& [id, device] : fleet.devices()) {
    if (query != nullptr && !query->matches(device.view())) continue;
    const cJSON* door = cJSON_GetObjectItemCaseSensitive(device.reported.get(), "door");
    const cJSON* desired_version =
        cJSON_GetObjectItemCaseSensitive(device.desired.get(), "$version");
    if (json) {
      cJSON* entry = cJSON_CreateObject();
      cJSON_AddStringToObject(entry, "deviceId", id.c_str());
      cJSON_AddBoolToObject(entry, "online", device.online());
      for (const auto& [name, doc] :
           {std::pair{"status", device.status.get()}, std::pair{"reported", device.reported.get()},
            std::pair{"desired", device.desired.get()}}) {
        cJSON_AddItemToObject(entry, name,
                              doc != nullptr ? cJSON_Duplicate(doc, true) : cJSON_CreateNull());
      }
      cJSON_AddItemToArray(array, entry);
      continue;
    }
    std::printf("%-20s %-7s %-9s %-7s %-8s %s\n", id.c_str(), device.online() ? "yes" : "no",
                text_of(cJSON_GetObjectItemCaseSensitive(door, "lock")).c_str(),
                text_of(cJSON_GetObjectItemCaseSensitive(door, "door")).c_str(),
                text_of(desired_version).c_str(), reported_summary(device.reported.get()).c_str());
  }
  if (json) {
    char* printed = cJSON_Print(array);
    std::printf("%s\n", printed);
    cJSON_free(printed);
  }
  cJSON_Delete(array);
  return kOk;
}

bool read_password(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::getline(in, out);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  BrokerSettings settings;
  if (const char* password = std::getenv("DOOR_SCHEDULER_PASSWORD")) settings.password = password;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::size_t i = 0;
  // The value after an option.
  auto next = [&](std::string& out) {
    if (i + 1 >= args.size()) return false;
    out = args[++i];
    return true;
  };
  std::string command;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    if (a == "--version") {
      std::printf("door-scheduler %s\n", DOOR_AGENT_VERSION);
      return kOk;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsageText, stdout);
      return kOk;
    } else if (a == "--broker") {
      if (!next(v)) return usage_error("--broker needs HOST[:PORT]");
      const auto colon = v.rfind(':');
      settings.host = v.substr(0, colon);
      if (colon != std::string::npos) {
        char* end = nullptr;
        const long port = std::strtol(v.c_str() + colon + 1, &end, 10);
        if (*end != '\0' || port < 1 || port > 65535)
          return usage_error("bad port in --broker " + v);
        settings.port = static_cast<int>(port);
      }
    } else if (a == "--ca") {
      if (!next(settings.ca_file)) return usage_error("--ca needs a file");
    } else if (a == "--user") {
      if (!next(settings.username)) return usage_error("--user needs a name");
    } else if (a == "--password-file") {
      if (!next(v)) return usage_error("--password-file needs a file");
      if (!read_password(v, settings.password)) return usage_error("cannot read " + v);
    } else if (a == "--cert") {
      if (!next(settings.client_cert_file)) return usage_error("--cert needs a file");
    } else if (a == "--key") {
      if (!next(settings.client_key_file)) return usage_error("--key needs a file");
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a);
    } else {
      command = a;
      ++i;
      break;
    }
  }
  if (command.empty()) return usage_error("no command given");
  if (command == "help") {
    if (i < args.size() && args[i] == "devices") {
      std::fputs(kDevicesHelp, stdout);
    } else {
      std::fputs(kUsageText, stdout);
    }
    return kOk;
  }
  if (command != "devices") return usage_error("unknown command '" + command + "'");

  Query query;
  bool has_query = false;
  bool json = false;
  for (; i < args.size(); ++i) {
    std::string v;
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--query") {
      if (!next(v)) return usage_error("--query needs a condition");
      std::string error;
      if (!query.parse(v, error)) return usage_error(error);
      has_query = true;
    } else if (args[i] == "--help") {
      std::fputs(kDevicesHelp, stdout);
      return kOk;
    } else {
      return usage_error("unknown option " + args[i] + " for devices");
    }
  }

  BrokerClient client(settings);
  Fleet fleet;
  std::string error;
  if (!client.connect(error) || !fleet.load(client, error)) {
    std::fprintf(stderr, "door-scheduler: %s\n", error.c_str());
    return kError;
  }
  return list_devices(fleet, has_query ? &query : nullptr, json);
}
