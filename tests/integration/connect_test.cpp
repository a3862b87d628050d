// The agent connects over TLS in both dialects and announces itself.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"
#include "test_pki.hpp"

namespace door::test {
namespace {

// An agent in the broker dialect that is online, and a service watching its status document.
class OnlineAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(agent_.wait_online()) << agent_.process().output();
    ASSERT_EQ(service_.connect(), "");
    ASSERT_TRUE(service_.subscribe("devices/door-1/status"));
    first_status_ = service_.receive(10s);
    ASSERT_TRUE(first_status_);
  }

  Broker broker_;
  AgentProcess agent_{broker_dialect_config(broker_.port(), "door-1")};
  MqttClient service_{scheduler_options(broker_)};
  std::optional<Message> first_status_;
};

TEST_F(OnlineAgent, PublishesARetainedOnlineStatus) {
  EXPECT_TRUE(first_status_->retained);
  EXPECT_NE(first_status_->payload.find(R"("online":true)"), std::string::npos)
      << first_status_->payload;
  EXPECT_NE(first_status_->payload.find(R"("version":")"), std::string::npos)
      << first_status_->payload;
}

TEST_F(OnlineAgent, CleanStopMarksTheDeviceOfflineAndExitsZero) {
  agent_.process().signal(SIGTERM);
  const auto exit_status = agent_.process().wait_exit(10s);
  ASSERT_TRUE(exit_status);
  EXPECT_TRUE(WIFEXITED(*exit_status) && WEXITSTATUS(*exit_status) == 0);
  const auto offline = service_.receive(10s);
  ASSERT_TRUE(offline);
  EXPECT_NE(offline->payload.find(R"("online":false)"), std::string::npos) << offline->payload;
}

// A stop right at "ready", with the offline announcement in flight and the reported properties due
// 20 ms later: the agent disconnects once the broker acknowledges, instead of running into its
// stop deadline (Paho's timed disconnect waits out its whole timeout while a message is in flight).
TEST(CleanStop, DisconnectsOnceTheOfflineAnnouncementIsAcknowledged) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.process().wait_for_output("ready: desired properties reconciled", 20s))
      << agent.process().output();
  agent.process().signal(SIGTERM);
  const auto exit_status = agent.process().wait_exit(10s);
  ASSERT_TRUE(exit_status);
  EXPECT_TRUE(WIFEXITED(*exit_status) && WEXITSTATUS(*exit_status) == 0);
  EXPECT_EQ(agent.process().output().find("not confirmed in time"), std::string::npos)
      << agent.process().output();
}

TEST_F(OnlineAgent, LastWillMarksAKilledAgentOffline) {
  agent_.process().signal(SIGKILL);
  const auto will = service_.receive(10s);
  ASSERT_TRUE(will);
  EXPECT_EQ(will->payload, R"({"online":false})");
}

// door-2 on the listener that requires client certificates, with the test PKI's certificate
// `certificate` (.pem and .key).
std::string client_certificate_config(const Broker& broker, const std::string& certificate) {
  const TestPki& pki = TestPki::shared();
  return R"({"hub":"mqtt","connection":{"host":"localhost","port":)" +
         std::to_string(broker.cert_port()) + R"(,"deviceId":"door-2","caFile":")" +
         pki.file("ca.pem") + R"(","clientCertFile":")" + pki.file(certificate + ".pem") +
         R"(","clientKeyFile":")" + pki.file(certificate + ".key") + R"("}})";
}

TEST(Connect, BrokerDialectWithClientCertificate) {
  Broker broker;
  AgentProcess agent(client_certificate_config(broker, "device-door-2"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  // The broker took the certificate's CN as the user name, so the ACL applies to door-2.
  EXPECT_TRUE(broker.process().wait_for_output("as door-2", 5s)) << broker.process().output();
}

TEST(Connect, BrokerRefusesAClientCertificateFromAnotherCa) {
  Broker broker;
  AgentProcess agent(client_certificate_config(broker, "device-door-2-other-ca"));
  ASSERT_TRUE(agent.process().wait_for_output("cannot connect", 20s)) << agent.process().output();
  EXPECT_EQ(agent.process().count_output("online: device"), 0u);
  EXPECT_EQ(broker.process().count_output("as door-2"), 0u) << broker.process().output();
}

TEST(Connect, AzureDialectWithX509ClientCertificate) {
  Broker broker;
  const TestPki& pki = TestPki::shared();
  AgentProcess agent(
      R"({"hub":"azure","connection":{"connectionString":"HostName=localhost;DeviceId=door-1;x509=true","port":)" +
      std::to_string(broker.azure_cert_port()) + R"(,"caFile":")" + pki.file("ca.pem") +
      R"(","clientCertFile":")" + pki.file("device-door-1.pem") + R"(","clientKeyFile":")" +
      pki.file("device-door-1.key") + R"("}})");
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  EXPECT_TRUE(broker.process().wait_for_output("as door-1", 5s)) << broker.process().output();
  EXPECT_EQ(agent.process().count_output("renewing"), 0u);  // nothing to renew with X.509
}

TEST(Connect, AzureDialectUsesTheHubUserNameAndFetchesTheTwin) {
  Broker broker;
  MqttClient hub(hub_options(broker));
  ASSERT_EQ(hub.connect(), "");
  ASSERT_TRUE(hub.subscribe("$iothub/twin/GET/#", 0));

  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  EXPECT_TRUE(broker.process().wait_for_output(
      "as door-3 (p2, c1, k60, u'localhost/door-3/?api-version=2021-04-12')", 5s))
      << broker.process().output();
  const auto get = hub.receive(10s);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->topic, "$iothub/twin/GET/?$rid=1");
  EXPECT_EQ(get->payload, "");
}

TEST(Connect, AzureDialectRenewsTheSasTokenByReconnecting) {
  Broker broker;
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3", R"("sasTokenSeconds":3)"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  const std::size_t after_first = agent.process().line_count();
  ASSERT_TRUE(agent.process().wait_for_output("renewing the SAS token", 10s, after_first))
      << agent.process().output();
  EXPECT_TRUE(agent.wait_online(10s, after_first)) << agent.process().output();
}

}  // namespace
}  // namespace door::test
