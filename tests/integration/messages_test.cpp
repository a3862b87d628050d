// What reaches the agent from the network is answered or refused with a reason; the agent stays up.
#include <gtest/gtest.h>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"

namespace door::test {
namespace {

class BrokerMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(agent_.wait_online()) << agent_.process().output();
    ASSERT_EQ(service_.connect(), 0);
    ASSERT_TRUE(service_.subscribe("devices/door-1/methods/res/#"));
  }

  std::optional<Message> call(const std::string& method, const std::string& rid,
                              const std::string& payload) {
    EXPECT_TRUE(
        service_.publish("devices/door-1/methods/POST/" + method + "/?$rid=" + rid, payload));
    return service_.receive(10s);
  }

  Broker broker_;
  AgentProcess agent_{broker_dialect_config(broker_.port(), "door-1")};
  MqttClient service_{scheduler_options(broker_)};
};

TEST_F(BrokerMessages, UnknownMethodGets404NamingIt) {
  const auto response = call("openSesame", "a1", "{}");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->topic, "devices/door-1/methods/res/404/?$rid=a1");
  EXPECT_EQ(response->payload, R"({"message":"unknown method 'openSesame'"})");
}

TEST_F(BrokerMessages, OversizePayloadGets413) {
  const auto response = call("lockDoor", "big", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->topic, "devices/door-1/methods/res/413/?$rid=big");
  EXPECT_NE(response->payload.find("65536 bytes"), std::string::npos) << response->payload;
}

TEST_F(BrokerMessages, MalformedMethodTopicsAreLoggedAndIgnored) {
  // Missing rid, repeated rid, empty name, a name with odd characters, an unknown parameter.
  for (const char* topic :
       {"devices/door-1/methods/POST/x/", "devices/door-1/methods/POST/x/?$rid=1&$rid=2",
        "devices/door-1/methods/POST//?$rid=1", "devices/door-1/methods/POST/a b/?$rid=1",
        "devices/door-1/methods/POST/x/?$rid=1&admin=1"}) {
    ASSERT_TRUE(service_.publish(topic, "{}"));
  }
  // Answered in order: the next good call's response is the first thing that comes back.
  const auto response = call("probe", "after", "{}");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->topic, "devices/door-1/methods/res/404/?$rid=after");
  EXPECT_EQ(agent_.process().count_output("ignored a message on unexpected topic"), 5u)
      << agent_.process().output();
  EXPECT_TRUE(agent_.process().running());
}

TEST(AzureMessages, UnknownMethodGets404OnTheHubResponseTopic) {
  Broker broker;
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  MqttClient hub(hub_options(broker));
  ASSERT_EQ(hub.connect(), 0);
  ASSERT_TRUE(hub.subscribe("$iothub/methods/res/#"));
  ASSERT_TRUE(hub.publish("$iothub/methods/POST/reboot/?$rid=5", "{}", 0));
  const auto response = hub.receive(10s);
  ASSERT_TRUE(response) << agent.process().output();
  EXPECT_EQ(response->topic, "$iothub/methods/res/404/?$rid=5");
  EXPECT_EQ(response->payload, R"({"message":"unknown method 'reboot'"})");
}

}  // namespace
}  // namespace door::test
