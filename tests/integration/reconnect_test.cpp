// The agent survives the broker going away and comes back by itself.
#include <gtest/gtest.h>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"

namespace door::test {
namespace {

TEST(Reconnect, AfterTheBrokerRestartsTheAgentResubscribesAndAnswers) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();

  const std::size_t before_stop = agent.process().line_count();
  broker.stop();
  ASSERT_TRUE(agent.process().wait_for_output("connection lost", 30s, before_stop))
      << agent.process().output();
  const std::size_t before_start = agent.process().line_count();
  broker.start();
  ASSERT_TRUE(agent.wait_online(30s, before_start)) << agent.process().output();

  // A method call reaches the agent only if it subscribed again.
  MqttClient service(scheduler_options(broker));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.subscribe("devices/door-1/methods/res/#"));
  ASSERT_TRUE(service.publish("devices/door-1/methods/POST/ping/?$rid=42", "{}"));
  const auto response = service.receive(10s);
  ASSERT_TRUE(response) << agent.process().output();
  EXPECT_EQ(response->topic, "devices/door-1/methods/res/404/?$rid=42");
}

TEST(Reconnect, KeepsTryingWhileTheBrokerIsDown) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  broker.stop();
  const std::size_t before = agent.process().line_count();
  // Several failed attempts, each followed by a new one, with the agent still running.
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_TRUE(
        agent.process().wait_for_output("reconnecting in", 30s, agent.process().line_count()))
        << agent.process().output();
  }
  EXPECT_GE(agent.process().count_output("cannot connect"), 2u);
  EXPECT_GT(agent.process().line_count(), before);
  EXPECT_TRUE(agent.process().running());
}

}  // namespace
}  // namespace door::test
