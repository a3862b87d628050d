// The agent refuses every server it must not trust or that does not speak TLS 1.2 or newer, says
// why in one log line, never logs in, and keeps running (it retries with backoff).
#include <gtest/gtest.h>

#include "agent_process.hpp"
#include "broker.hpp"
#include "reserved_port.hpp"
#include "test_pki.hpp"

namespace door::test {
namespace {

void expect_refused(AgentProcess& agent, const std::string& why) {
  ASSERT_TRUE(agent.process().wait_for_output("cannot connect", 20s)) << agent.process().output();
  EXPECT_EQ(agent.process().count_output("online: device"), 0u);
  EXPECT_GE(agent.process().count_output(why), 1u) << agent.process().output();
  EXPECT_TRUE(agent.process().running());
}

struct BadServer {
  const char* certificate;
  const char* why;
  friend void PrintTo(const BadServer& s, std::ostream* out) { *out << s.certificate; }
};

class RefusesServer : public ::testing::TestWithParam<BadServer> {};

TEST_P(RefusesServer, AndSaysWhy) {
  Broker broker(GetParam().certificate);
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  expect_refused(agent, GetParam().why);
  // The broker never saw the device log in.
  EXPECT_EQ(broker.process().count_output("as door-1"), 0u) << broker.process().output();
}

INSTANTIATE_TEST_SUITE_P(
    Tls, RefusesServer,
    ::testing::Values(BadServer{"server-other-ca", "certificate is not trusted"},
                      BadServer{"server-expired", "certificate is not trusted"},
                      BadServer{"server-wrong-host", "certificate is not for this host name"}),
    [](const auto& param_info) {
      std::string name = param_info.param.certificate;
      for (auto& c : name) c = c == '-' ? '_' : c;
      return name;
    });

TEST(TlsRefusal, APlainMqttServer) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.plain_port(), "door-1"));
  expect_refused(agent, "the server did not answer with TLS");
  EXPECT_EQ(broker.process().count_output("as door-1"), 0u) << broker.process().output();
}

TEST(TlsRefusal, TheBrokerRefusesAPlainClientOnItsTlsPort) {
  Broker broker;
  Process client({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.service_port()),
                  "-u", Broker::kSchedulerUser, "-P", Broker::kSchedulerPassword, "-t",
                  "devices/door-1/methods/POST/unlockDoor/?$rid=1", "-m", "{}"});
  const auto status = client.wait_exit(20s);
  ASSERT_TRUE(status);
  EXPECT_NE(*status, 0) << client.output();
  EXPECT_EQ(broker.process().count_output("as scheduler"), 0u) << broker.process().output();
}

// OpenSSL settings that allow TLS 1.0 and 1.1 and SHA-1 signatures, as an old or badly configured
// system might: the agent must refuse TLS 1.1 on its own, not rely on the system's policy.
std::string permissive_openssl_conf(const TempDir& dir) {
  return dir.write(
      "openssl.cnf",
      "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
      "[ssl_sect]\nsystem_default = system_default_sect\n"
      "[system_default_sect]\nMinProtocol = TLSv1\nCipherString = DEFAULT:@SECLEVEL=0\n");
}

TEST(TlsRefusal, AServerOfferingOnlyTls11) {
  TempDir dir;
  const std::string openssl_conf = "OPENSSL_CONF=" + permissive_openssl_conf(dir);
  const TestPki& pki = TestPki::shared();
  const ReservedPort reserved;
  const std::string port = std::to_string(reserved.number());
  // -www: serves every connection without reading standard input.
  Process server({"openssl", "s_server", "-www", "-accept", "127.0.0.1:" + port, "-cert",
                  pki.file("server.pem"), "-key", pki.file("server.key"), "-tls1_1", "-cipher",
                  "DEFAULT:@SECLEVEL=0"},
                 {openssl_conf});
  ASSERT_TRUE(server.wait_for_output("ACCEPT", 10s)) << server.output();
  // The server really speaks TLS 1.1 to a client that accepts it.
  Process old_client({"openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile",
                      pki.file("ca.pem"), "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"},
                     {openssl_conf});
  ASSERT_TRUE(old_client.wait_for_output("Protocol  : TLSv1.1", 10s)) << old_client.output();

  AgentProcess agent(broker_dialect_config(std::stoi(port), "door-1"), {openssl_conf});
  expect_refused(agent, "TLS 1.2 or newer");
}

}  // namespace
}  // namespace door::test
