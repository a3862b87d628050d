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

}  // namespace
}  // namespace door::test
