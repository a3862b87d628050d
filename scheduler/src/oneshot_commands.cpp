// door-scheduler call, twin show, twin set, monitor: one device at once, as `az iot hub
// invoke-device-method`, `az iot hub device-twin show/update` and `az iot hub monitor-events` are.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>

#include "cli.hpp"
#include "job_output.hpp"
#include "job_run.hpp"
#include "port/clock.hpp"
#include "port/text_writer.hpp"
#include "protocol/json_document.hpp"
#include "protocol/limits.hpp"
#include "protocol/topics.hpp"
#include "scheduler/door_event.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler::cli {

namespace {

// Seconds in [min, max] from an option's value; false after a usage message.
bool seconds_value(const std::string& option, const std::string& text, int min, int max, int& out) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > max) {
    usage_error(option + ": " + std::to_string(min) + " to " + std::to_string(max) + " seconds");
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

bool connect_only(BrokerClient& client) {
  std::string error;
  if (client.connect(error)) return true;
  runtime_error(error);
  return false;
}

}  // namespace

int call_command(Context& ctx) {
  std::vector<std::string> words;
  int timeout_s = 30;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a == "--timeout") {
      if (!option_value(ctx, a, v) || !seconds_value(a, v, 1, 300, timeout_s)) return kUsage;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a + " for call");
    } else {
      words.push_back(a);
    }
  }
  if (words.size() < 2 || words.size() > 3) {
    return usage_error(words.empty()      ? "call: DEVICE is missing"
                       : words.size() < 2 ? "call: METHOD is missing"
                                          : "call takes DEVICE METHOD [PAYLOAD]");
  }
  const std::string& device = words[0];
  const std::string& method = words[1];
  const std::string payload = words.size() == 3 ? words[2] : "null";
  std::string error;
  if (!protocol::valid_method_name(method))
    return usage_error("call: METHOD: a method name of letters, digits, -._:");
  if (!user_json("PAYLOAD", payload, error)) return usage_error(error);
  char rid[48];  // this call's alone, also among other processes' calls to the device
  std::snprintf(rid, sizeof rid, "call-%d-%lld", static_cast<int>(getpid()),
                static_cast<long long>(port::monotonic_ms()));
  char topic[protocol::kMaxTopicLength + 1];
  port::TextWriter t(topic, sizeof topic);
  if (!protocol::broker::format_method_request(t, device, method, rid).is_ok()) {
    return usage_error("call: the device id cannot name a topic");
  }
  BrokerClient client(ctx.broker);
  if (!connect_only(client)) return kError;
  const std::string status_topic = "devices/" + device + "/status";
  if (!client.subscribe(protocol::broker::kFleetMethodResponseSubscription, 1) ||
      !client.subscribe(status_topic, 1) || !client.send(topic, payload)) {
    return runtime_error("the broker did not take the request (check the scheduler's ACL)");
  }
  bool offline = false;
  const int64_t deadline = port::monotonic_ms() + timeout_s * 1000LL;
  for (int64_t left = timeout_s * 1000LL; left > 0; left = deadline - port::monotonic_ms()) {
    const auto m = client.receive(std::chrono::milliseconds(left));
    if (!m) continue;
    if (m->topic == status_topic) {
      JsonDocument status(protocol::parse_json_document(m->payload));
      offline = !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(status.get(), "online"));
      continue;
    }
    const protocol::FleetTopic answer = protocol::broker::parse_fleet_topic(m->topic);
    if (answer.kind != protocol::FleetTopicKind::method_response || answer.rid != rid ||
        answer.device_id != device) {
      continue;
    }
    cJSON* json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "status", answer.status);
    cJSON_AddItemToObject(json, "payload", json_or_string(m->payload));
    print_json(json);
    return answer.status >= 200 && answer.status < 300 ? kOk : kPartial;
  }
  return runtime_error("no answer from " + printable(device) + " within " +
                       std::to_string(timeout_s) + " s" +
                       (offline ? ": the device is offline (IoT Hub: 404103 DeviceNotOnline)"
                                : " (IoT Hub: 504101 GatewayTimeout)"));
}

namespace {

int twin_show(Context& ctx, const std::string& device) {
  BrokerClient client(ctx.broker);
  Fleet fleet;
  std::string error;
  if (!connect_only(client) || !fleet.load(client, error, device)) {
    return error.empty() ? kError : runtime_error(error);
  }
  const auto found = fleet.devices().find(device);
  if (found == fleet.devices().end()) return runtime_error("no device " + printable(device));
  const Device& d = found->second;
  cJSON* json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "deviceId", device.c_str());
  cJSON_AddStringToObject(json, "connectionState", d.online() ? "Connected" : "Disconnected");
  cJSON_AddItemToObject(json, "status",
                        d.status ? cJSON_Duplicate(d.status.get(), true) : cJSON_CreateNull());
  cJSON* properties = cJSON_AddObjectToObject(json, "properties");
  cJSON_AddItemToObject(properties, "desired",
                        d.desired ? cJSON_Duplicate(d.desired.get(), true) : cJSON_CreateObject());
  cJSON_AddItemToObject(
      properties, "reported",
      d.reported ? cJSON_Duplicate(d.reported.get(), true) : cJSON_CreateObject());
  print_json(json);
  return kOk;
}

// A twin update of one device is a job of one device, stored like any other: the twin store and
// the $version rules of schedule twin hold for it too.
int twin_set(Context& ctx, const std::string& device, const std::string& patch, bool wait_for_ack,
             int timeout_s) {
  std::string error;
  if (!user_json("PATCH", patch, error)) return usage_error(error);
  JsonDocument object(protocol::parse_json_document(patch));
  if (!cJSON_IsObject(object.get())) return usage_error("PATCH must be a JSON object");
  Job job;
  job.id = generated_id();
  job.type = JobType::update_twin;
  job.query = "deviceId = '" + device + "'";
  job.patch = patch;
  job.wait_for_ack = wait_for_ack;
  job.response_timeout_s = timeout_s;
  job.created = job.start_time = port::wall_seconds();
  if (device.find('\'') != std::string::npos) return usage_error("the device id has a quote");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet, store, device)) return kError;
  if (fleet.devices().count(device) == 0) return runtime_error("no device " + printable(device));
  bool claimed = false;
  if (!store.add(job) || !store.claim(job.id, 1, port::wall_seconds(), claimed) || !claimed) {
    return runtime_error(store.error().empty() ? "job " + job.id + " was taken" : store.error());
  }
  std::optional<Job> stored;
  if (!store.get(job.id, stored) || !stored) return runtime_error(store.error());
  job = *stored;
  stop_on_signals();
  if (!run_claimed(job, client, fleet, store, nullptr)) return kError;
  std::vector<DeviceResult> results;
  if (!store.results(job.id, job.run, results) || results.empty()) {
    return runtime_error(store.error().empty() ? "no result" : store.error());
  }
  const DeviceResult& r = results.front();
  cJSON* json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "deviceId", device.c_str());
  cJSON_AddStringToObject(json, "jobId", job.id.c_str());
  cJSON_AddStringToObject(json, "status", to_string(r.status));
  cJSON_AddNumberToObject(json, "code", r.code);
  cJSON_AddStringToObject(json, "description", r.response.c_str());
  const auto d = fleet.devices().find(device);
  if (d != fleet.devices().end() && d->second.desired) {
    cJSON_AddItemToObject(cJSON_AddObjectToObject(json, "properties"), "desired",
                          cJSON_Duplicate(d->second.desired.get(), true));
  }
  print_json(json);
  return r.status == DeviceStatus::completed ? kOk : kPartial;
}

}  // namespace

int twin_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("twin show DEVICE, or twin set DEVICE PATCH");
  const std::string action = ctx.args[ctx.next++];
  std::vector<std::string> words;
  bool wait_for_ack = false;
  int timeout_s = 30;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a == "--wait-ack" && action == "set") {
      wait_for_ack = true;
    } else if (a == "--timeout" && action == "set") {
      if (!option_value(ctx, a, v) || !seconds_value(a, v, 1, 300, timeout_s)) return kUsage;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a + " for twin " + action);
    } else {
      words.push_back(a);
    }
  }
  if (action == "show") {
    if (words.size() != 1)
      return usage_error(words.empty() ? "twin show: DEVICE is missing"
                                       : "twin show takes one DEVICE");
    return twin_show(ctx, words[0]);
  }
  if (action == "set") {
    if (words.size() != 2) {
      return usage_error(words.empty()      ? "twin set: DEVICE is missing"
                         : words.size() < 2 ? "twin set: PATCH is missing"
                                            : "twin set takes DEVICE PATCH");
    }
    return twin_set(ctx, words[0], words[1], wait_for_ack, timeout_s);
  }
  return usage_error("twin show DEVICE, or twin set DEVICE PATCH");
}

int monitor_command(Context& ctx) {
  std::set<std::string> devices;
  int count = 0;  // 0: until stopped
  int timeout_s = 0;
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a == "--json") {
      json = true;
    } else if (a == "--count") {
      if (!option_value(ctx, a, v) || !seconds_value(a, v, 1, 1000000, count)) return kUsage;
    } else if (a == "--timeout") {
      if (!option_value(ctx, a, v) || !seconds_value(a, v, 1, 86400, timeout_s)) return kUsage;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a + " for monitor");
    } else {
      devices.insert(a);
    }
  }
  BrokerClient client(ctx.broker);
  if (!connect_only(client)) return kError;
  std::vector<std::string> filters;
  if (devices.empty()) {
    filters = {kFleetEventsSubscription, protocol::broker::kFleetStatusSubscription};
  } else {
    for (const std::string& d : devices) {
      filters.push_back("devices/" + d + "/messages/events/#");
      filters.push_back("devices/" + d + "/status");
    }
  }
  for (const std::string& f : filters) {
    if (!client.subscribe(f, 1)) return runtime_error("cannot subscribe to " + f);
  }
  stop_on_signals();
  std::fprintf(stderr, "monitoring %s (until interrupted)\n",
               devices.empty() ? "every device" : "the devices named");
  const int64_t deadline = timeout_s > 0 ? port::monotonic_ms() + timeout_s * 1000LL : 0;
  int printed = 0;
  while (!stop_requested() && (count == 0 || printed < count)) {
    if (deadline != 0 && port::monotonic_ms() >= deadline) break;
    if (!client.connected()) return runtime_error("the connection to the broker was lost");
    const auto m = client.receive(std::chrono::milliseconds(250));
    // A retained status is the state before monitoring began, not a change.
    if (!m || m->retained) continue;
    const std::string device = device_of(m->topic);
    const bool status = m->topic == "devices/" + device + "/status";
    const std::string time = iso_utc(port::wall_seconds());
    if (json) {
      cJSON* line = cJSON_CreateObject();
      cJSON_AddStringToObject(line, "time", time.c_str());
      cJSON_AddStringToObject(line, "deviceId", device.c_str());
      cJSON_AddStringToObject(line, "kind", status ? "status" : "event");
      cJSON_AddItemToObject(line, "payload", json_or_string(m->payload));
      char* text = cJSON_PrintUnformatted(line);
      std::printf("%s\n", text);
      cJSON_free(text);
      cJSON_Delete(line);
    } else {
      std::printf("%s %-20s %-6s %s\n", time.c_str(), printable(device).c_str(),
                  status ? "status" : "event", printable(m->payload).c_str());
    }
    std::fflush(stdout);
    ++printed;
  }
  return count > 0 && printed < count ? kError : kOk;
}

}  // namespace door::scheduler::cli
