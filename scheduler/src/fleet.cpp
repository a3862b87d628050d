#include "scheduler/fleet.hpp"

#include "protocol/json_document.hpp"
#include "protocol/topics.hpp"

namespace door::scheduler {

namespace {
constexpr auto kRetainedTimeout = std::chrono::seconds(10);
}

bool Device::online() const {
  const cJSON* online = cJSON_GetObjectItemCaseSensitive(status.get(), "online");
  return cJSON_IsTrue(online);
}

bool Fleet::load(BrokerClient& client, std::string& error) {
  const std::string marker = client.private_topic("fleet-loaded");
  if (!client.subscribe(protocol::broker::kFleetStatusSubscription, 1) ||
      !client.subscribe(protocol::broker::kFleetReportedSubscription, 1) ||
      !client.subscribe(protocol::broker::kFleetDesiredSubscription, 1) ||
      !client.subscribe(marker, 1) || !client.publish(marker, "", 1, false)) {
    error = "cannot subscribe to the fleet's documents (check the scheduler's ACL)";
    return false;
  }
  // The broker sends the retained documents as it handles each subscription, before the marker
  // published afterwards comes back.
  for (;;) {
    const auto message = client.receive(kRetainedTimeout);
    if (!message) {
      error = "the broker did not deliver the fleet's documents in time";
      return false;
    }
    if (message->topic == marker) return true;
    update(*message);
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
