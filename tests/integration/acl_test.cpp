// The shipped Mosquitto ACL confines each device to its own topics.
#include <gtest/gtest.h>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"

namespace door::test {
namespace {

TEST(Acl, ADeviceDoesNotReceiveAnotherDevicesMethodCalls) {
  Broker broker;
  MqttClient intruder(device_options(broker, "door-2"));
  ASSERT_EQ(intruder.connect(), 0);
  intruder.subscribe(
      "devices/door-1/methods/POST/#");  // the broker may grant it, but delivers nothing
  ASSERT_TRUE(intruder.subscribe("devices/door-2/methods/POST/#"));

  MqttClient service(scheduler_options(broker));
  ASSERT_EQ(service.connect(), 0);
  ASSERT_TRUE(service.publish("devices/door-1/methods/POST/unlockDoor/?$rid=1", "{}"));
  ASSERT_TRUE(service.publish("devices/door-2/methods/POST/marker/?$rid=2", "{}"));
  // Messages from one publisher arrive in order: the marker comes first only if door-1's call
  // was withheld.
  const auto first = intruder.receive(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->topic, "devices/door-2/methods/POST/marker/?$rid=2");
}

TEST(Acl, ADeviceCannotOverwriteAnotherDevicesStatus) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();

  MqttClient intruder(device_options(broker, "door-2"));
  ASSERT_EQ(intruder.connect(), 0);
  intruder.publish("devices/door-1/status", R"({"online":false,"forged":true})", 1, true);
  ASSERT_TRUE(intruder.publish("devices/door-2/status", R"({"marker":true})", 1, true));

  MqttClient service(scheduler_options(broker));
  ASSERT_EQ(service.connect(), 0);
  ASSERT_TRUE(service.subscribe("devices/door-1/status"));
  const auto status = service.receive(10s);
  ASSERT_TRUE(status);
  EXPECT_NE(status->payload.find(R"("online":true)"), std::string::npos) << status->payload;
}

}  // namespace
}  // namespace door::test
