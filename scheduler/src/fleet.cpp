#include "scheduler/fleet.hpp"

#include <algorithm>
#include <optional>

#include "protocol/json_document.hpp"
#include "protocol/topics.hpp"

namespace door::scheduler {

namespace {
constexpr auto kRetainedTimeout = std::chrono::seconds(10);
// No document for this long after the marker: the broker has sent what it holds. Aedes sent its
// last retained documents a few milliseconds after the marker; a device with a document still
// missing is waited for until kIncompleteWait.
constexpr auto kSettle = std::chrono::milliseconds(200);
constexpr auto kIncompleteWait = std::chrono::seconds(2);

int64_t version_member(const cJSON* object, const char* name) {
  const port::Result<int64_t> version =
      protocol::exact_integer(cJSON_GetObjectItemCaseSensitive(object, name));
  return version.is_ok() ? version.value() : 0;
}
}  // namespace

bool Device::online() const {
  const cJSON* online = cJSON_GetObjectItemCaseSensitive(status.get(), "online");
  return cJSON_IsTrue(online);
}

int64_t Device::desired_version() const {
  return version_member(desired.get(), "$version");
}

int64_t Device::applied_version() const {
  const cJSON* agent = cJSON_GetObjectItemCaseSensitive(reported.get(), "agent");
  int64_t newest = version_member(agent, "desiredVersion");
  for (const cJSON* ack = reported ? reported->child : nullptr; ack != nullptr; ack = ack->next) {
    if (cJSON_IsObject(ack)) newest = std::max(newest, version_member(ack, "av"));
  }
  return newest;
}

std::vector<std::string> Fleet::incomplete() const {
  std::vector<std::string> ids;
  for (const auto& [id, device] : devices_) {
    if (!device.complete()) ids.push_back(id);
  }
  return ids;
}

bool Fleet::load(BrokerClient& client, std::string& error, const std::string& device_id) {
  const std::string marker = client.private_topic("fleet-loaded");
  const std::string device = "devices/" + device_id;
  if (!client.subscribe(
          device_id.empty() ? protocol::broker::kFleetStatusSubscription : device + "/status", 1) ||
      !client.subscribe(device_id.empty() ? protocol::broker::kFleetReportedSubscription
                                          : device + "/twin/reported",
                        1) ||
      !client.subscribe(device_id.empty() ? protocol::broker::kFleetDesiredSubscription
                                          : device + "/twin/desired",
                        1) ||
      !client.subscribe(marker, 1) || !client.publish(marker, "", 1, false)) {
    error = "cannot subscribe to the fleet's documents (check the scheduler's ACL)";
    return false;
  }
  using Clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  const auto limit = Clock::now() + kRetainedTimeout;
  std::optional<Clock::time_point> marker_back;
  Clock::time_point last{};  // the marker's return, or the last document after it
  for (;;) {
    const auto now = Clock::now();
    auto until = limit;
    if (marker_back) {
      until = std::min(limit, last + kSettle);
      if (now >= until) {
        // Settled. Done, unless a device still lacks a document its others promise and the wait
        // for it is not over (looked at only here: a large fleet makes it a long look).
        const auto promised = std::min(limit, *marker_back + kIncompleteWait);
        if (now >= promised || incomplete().empty()) return true;
        until = promised;
      }
    }
    const auto message = client.receive(
        std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(until - now)));
    if (message && message->topic == marker) {
      marker_back = last = Clock::now();
    } else if (message && update(*message) && marker_back) {
      last = Clock::now();  // still coming: settle again
    } else if (!message && !marker_back) {
      error = "the broker did not deliver the fleet's documents in time";
      return false;
    }
  }
}

bool Fleet::update(const Message& message) {
  const protocol::FleetTopic topic = protocol::broker::parse_fleet_topic(message.topic);
  if (topic.kind == protocol::FleetTopicKind::none) return false;
  Device& device = devices_[std::string(topic.device_id)];
  device.id = std::string(topic.device_id);
  // A document that names a member twice is not used: readers disagree on which value counts.
  JsonDocument document(protocol::parse_json_document(message.payload));
  switch (topic.kind) {
    case protocol::FleetTopicKind::status: device.status = std::move(document); break;
    case protocol::FleetTopicKind::reported: device.reported = std::move(document); break;
    case protocol::FleetTopicKind::desired: device.desired = std::move(document); break;
    default: break;
  }
  return true;
}

}  // namespace door::scheduler
