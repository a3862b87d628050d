// The shipped Mosquitto ACL confines each device to its own topics and directions. door-2 plays
// the intruder. Denied messages vanish silently at the broker, so each test sends a marker after
// the attempt: messages from one publisher arrive in order, so whatever the attempt let through
// would arrive before the marker.
#include <gtest/gtest.h>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"

namespace door::test {
namespace {

// Receives until the marker's topic; fails if anything else came first.
void expect_only_marker(MqttClient& client, const std::string& marker_topic) {
  const auto first = client.receive(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->topic, marker_topic) << first->payload;
}

// Topics door-2 may not publish to: another device's, or its own in the service's direction.
class AclDeniesWrite : public ::testing::TestWithParam<const char*> {};

TEST_P(AclDeniesWrite, AndNothingArrives) {
  Broker broker;
  MqttClient observer(scheduler_options(broker));
  ASSERT_EQ(observer.connect(), "");
  ASSERT_TRUE(observer.subscribe(GetParam()));
  const std::string marker = "devices/door-2/messages/events/";
  ASSERT_TRUE(observer.subscribe(marker));

  MqttClient intruder(device_options(broker, "door-2"));
  ASSERT_EQ(intruder.connect(), "");
  intruder.publish(GetParam(), R"({"forged":true})", 1, true);
  ASSERT_TRUE(intruder.publish(marker, "{}"));
  expect_only_marker(observer, marker);
}

INSTANTIATE_TEST_SUITE_P(
    Acl, AclDeniesWrite,
    ::testing::Values("devices/door-1/methods/POST/unlockDoor/?$rid=1",  // invoke door-1's method
                      "devices/door-1/methods/res/200/?$rid=1",          // answer for door-1
                      "devices/door-1/twin/desired",                     // set door-1's desired
                      "devices/door-1/twin/reported",     // overwrite door-1's reported
                      "devices/door-1/status",            // mark door-1 offline
                      "devices/door-1/messages/events/",  // forge door-1's events
                      "devices/door-2/twin/desired",      // set its own desired
                      "devices/door-2/methods/POST/unlockDoor/?$rid=1",  // call itself
                      "devices/scheduler/fleet"),                        // the service's own topics
    [](const auto& param_info) { return "topic" + std::to_string(param_info.index); });

// Filters door-2 may subscribe to without receiving anything of door-1.
class AclDeniesRead : public ::testing::TestWithParam<const char*> {};

TEST_P(AclDeniesRead, AndNothingArrives) {
  Broker broker;
  MqttClient service(scheduler_options(broker));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.publish("devices/door-1/twin/desired", R"({"$version":1})", 1, true));
  ASSERT_TRUE(service.publish("devices/door-1/twin/reported", R"({"floor":1})", 1, true));
  ASSERT_TRUE(service.publish("devices/door-1/status", R"({"online":true})", 1, true));

  MqttClient intruder(device_options(broker, "door-2"));
  ASSERT_EQ(intruder.connect(), "");
  intruder.subscribe(GetParam());  // the broker may grant it, but delivers nothing of door-1
  const std::string marker = "devices/door-2/methods/POST/marker/?$rid=1";
  ASSERT_TRUE(intruder.subscribe("devices/door-2/methods/POST/#"));
  // Live messages too, after the subscription.
  ASSERT_TRUE(service.publish("devices/door-1/methods/POST/unlockDoor/?$rid=1", "{}"));
  ASSERT_TRUE(service.publish("devices/door-1/twin/desired", R"({"$version":2})", 1, true));
  ASSERT_TRUE(service.publish(marker, "{}"));
  expect_only_marker(intruder, marker);
}

INSTANTIATE_TEST_SUITE_P(
    Acl, AclDeniesRead,
    ::testing::Values("devices/door-1/twin/desired", "devices/door-1/methods/POST/#",
                      "devices/door-1/twin/reported", "devices/door-1/status", "devices/door-1/#",
                      "devices/+/twin/desired", "devices/#", "#"),
    [](const auto& param_info) { return "filter" + std::to_string(param_info.index); });

TEST(Acl, ADeviceCannotOverwriteAnotherDevicesStatus) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();

  MqttClient intruder(device_options(broker, "door-2"));
  ASSERT_EQ(intruder.connect(), "");
  intruder.publish("devices/door-1/status", R"({"online":false,"forged":true})", 1, true);
  ASSERT_TRUE(intruder.publish("devices/door-2/status", R"({"marker":true})", 1, true));

  MqttClient service(scheduler_options(broker));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.subscribe("devices/door-1/status"));
  const auto status = service.receive(10s);
  ASSERT_TRUE(status);
  EXPECT_NE(status->payload.find(R"("online":true)"), std::string::npos) << status->payload;
}

// The broker's own defences, on both brokers: a device cannot knock another client off by
// connecting with its client id (Mosquitto forces a device's id to its user name, Aedes refuses
// another), cannot use the scheduler's listener, and cannot send a packet over max_packet_size.
// The victims are test clients that never reconnect: knocked off once, they receive nothing more.
class BrokerDefence : public ::testing::TestWithParam<Broker::Kind> {
 protected:
  Broker broker_{GetParam()};
};

TEST_P(BrokerDefence, ADeviceTakingAnotherDevicesClientIdDoesNotKnockItOff) {
  MqttClient victim(device_options(broker_, "door-1"));
  ASSERT_EQ(victim.connect(), "");
  const std::string topic = "devices/door-1/methods/POST/lockDoor/?$rid=1";
  ASSERT_TRUE(victim.subscribe("devices/door-1/methods/POST/#"));

  ClientOptions intruder_options = device_options(broker_, "door-2");
  intruder_options.client_id = "door-1";
  MqttClient intruder(intruder_options);
  intruder.connect();  // Mosquitto takes it as door-2, Aedes refuses it

  MqttClient service(scheduler_options(broker_));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.publish(topic, "{}"));
  const auto request = victim.receive(10s);
  ASSERT_TRUE(request) << "door-1 was knocked off";
  EXPECT_EQ(request->topic, topic);
}

TEST_P(BrokerDefence, ADeviceTakingASchedulersClientIdDoesNotKnockItOff) {
  ClientOptions scheduler = scheduler_options(broker_);
  scheduler.client_id = "door-scheduler-1";
  MqttClient victim(scheduler);
  ASSERT_EQ(victim.connect(), "");
  ASSERT_TRUE(victim.subscribe("devices/+/status"));

  ClientOptions intruder_options = device_options(broker_, "door-2");
  intruder_options.client_id = scheduler.client_id;
  MqttClient intruder(intruder_options);
  intruder.connect();  // Mosquitto takes it as door-2, Aedes refuses it

  MqttClient door(device_options(broker_, "door-3"));
  ASSERT_EQ(door.connect(), "");
  ASSERT_TRUE(door.publish("devices/door-3/status", R"({"online":true})"));
  const auto status = victim.receive(10s);
  ASSERT_TRUE(status) << "the scheduler was knocked off";
  EXPECT_EQ(status->topic, "devices/door-3/status");
}

TEST_P(BrokerDefence, TheServiceListenerRefusesADevicesCredentials) {
  ClientOptions options = device_options(broker_, "door-2");
  options.port = broker_.service_port();
  MqttClient intruder(options);
  EXPECT_NE(intruder.connect(), "");
  EXPECT_FALSE(intruder.connected());
}

TEST_P(BrokerDefence, APacketOverTheLimitClosesItsSendersConnectionAndOnlyIts) {
  MqttClient service(scheduler_options(broker_));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.subscribe("devices/+/messages/events/#"));

  // IoT Hub's largest device message (256 KB) passes; a packet over the limit does not.
  MqttClient door(device_options(broker_, "door-1"));
  ASSERT_EQ(door.connect(), "");
  const std::string largest(256 * 1024, 'x');
  ASSERT_TRUE(door.publish("devices/door-1/messages/events/", largest));
  const auto large = service.receive(10s);
  ASSERT_TRUE(large);
  EXPECT_EQ(large->payload.size(), largest.size());

  MqttClient intruder(device_options(broker_, "door-2"));
  ASSERT_EQ(intruder.connect(), "");
  const std::string huge(static_cast<std::size_t>(Broker::max_packet_size()), 'x');
  // Its result says nothing: Paho drops the token when the connection closes, as if delivered.
  intruder.publish("devices/door-2/messages/events/", huge, 1, true);
  EXPECT_FALSE(intruder.publish("devices/door-2/status", "{}")) << "its connection is still open";

  ASSERT_TRUE(door.publish("devices/door-1/messages/events/", "{}"));
  const auto next = service.receive(10s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->topic, "devices/door-1/messages/events/");
  EXPECT_EQ(next->payload, "{}") << "the packet over the limit came through";
}

INSTANTIATE_TEST_SUITE_P(Brokers, BrokerDefence,
                         ::testing::Values(Broker::Kind::mosquitto, Broker::Kind::aedes),
                         [](const auto& param_info) { return Broker::name(param_info.param); });

}  // namespace
}  // namespace door::test
