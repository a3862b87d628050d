// The agent's own TLS (mbedtls) to a real broker: server chains of a root and an intermediate CA as
// public servers present them, RSA 2048 (as IoT Hub's) and ECDSA, in both dialects; the TLS session
// resumed on reconnect; and no OpenSSL in the connected agent's process.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent_process.hpp"
#include "broker.hpp"
#include "test_pki.hpp"

namespace door::test {
namespace {

// The agent's config with `root` as its only trust anchor instead of the test CA.
std::string trusting(std::string config, const std::string& root) {
  const TestPki& pki = TestPki::shared();
  const std::string ca = pki.file("ca.pem");
  config.replace(config.find(ca), ca.size(), pki.file(root));
  return config;
}

struct Chain {
  const char* kind;  // make-pki.sh's chain: KIND-root, KIND-intermediate, server-KIND
  bool azure;
  friend void PrintTo(const Chain& c, std::ostream* out) { *out << c.kind; }
};

class ServerChain : public ::testing::TestWithParam<Chain> {};

TEST_P(ServerChain, IsVerifiedUpToItsRoot) {
  const std::string kind = GetParam().kind;
  Broker broker("server-" + kind);
  const std::string config = GetParam().azure ? azure_dialect_config(broker.azure_port(), "door-1")
                                              : broker_dialect_config(broker.port(), "door-1");
  AgentProcess agent(trusting(config, kind + "-root.pem"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  EXPECT_EQ(agent.process().count_output("full handshake"), 1u) << agent.process().output();
}

TEST_P(ServerChain, IsRefusedWhenOnlyAnotherRootIsTrusted) {
  const std::string kind = GetParam().kind;
  Broker broker("server-" + kind);
  const std::string other = kind == "rsa" ? "ecdsa-root.pem" : "rsa-root.pem";
  const std::string config = GetParam().azure ? azure_dialect_config(broker.azure_port(), "door-1")
                                              : broker_dialect_config(broker.port(), "door-1");
  AgentProcess agent(trusting(config, other));
  ASSERT_TRUE(agent.process().wait_for_output("cannot connect", 20s)) << agent.process().output();
  EXPECT_GE(agent.process().count_output("not issued by the CA in caFile"), 1u)
      << agent.process().output();
  EXPECT_EQ(agent.process().count_output("online: device"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Tls, ServerChain,
                         ::testing::Values(Chain{"rsa", false}, Chain{"rsa", true},
                                           Chain{"ecdsa", false}, Chain{"ecdsa", true}),
                         [](const auto& param_info) {
                           return std::string(param_info.param.kind) +
                                  (param_info.param.azure ? "_azure" : "_broker");
                         });

TEST(TlsTransport, AConnectedAgentMapsNoOpenSsl) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  std::ifstream maps("/proc/" + std::to_string(agent.process().pid()) + "/maps");
  ASSERT_TRUE(maps);
  std::stringstream text;
  text << maps.rdbuf();
  EXPECT_EQ(text.str().find("libssl"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("libcrypto"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("libpaho-mqtt3a."), std::string::npos) << text.str();
}

TEST(TlsTransport, AClientCertificateTheServerRefusesIsNamedAsTheReason) {
  Broker broker;
  const TestPki& pki = TestPki::shared();
  AgentProcess agent(broker_dialect_config(
      broker.cert_port(), "door-2",
      R"("clientCertFile":")" + pki.file("device-door-2-other-ca.pem") + R"(","clientKeyFile":")" +
          pki.file("device-door-2-other-ca.key") + "\""));
  ASSERT_TRUE(agent.process().wait_for_output("cannot connect", 20s)) << agent.process().output();
  EXPECT_GE(agent.process().count_output("check the client certificate"), 1u)
      << agent.process().output();
}

TEST(TlsTransport, AReconnectResumesTheTlsSession) {
  Broker broker;
  // A short SAS token: the agent reconnects to renew it, to the same broker process, which still
  // knows the session it issued.
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3", R"("sasTokenSeconds":3)"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  EXPECT_EQ(agent.process().count_output("full handshake"), 1u) << agent.process().output();
  const std::size_t after_first = agent.process().line_count();
  ASSERT_TRUE(agent.process().wait_for_output("resumed handshake", 10s, after_first))
      << agent.process().output();
  EXPECT_TRUE(agent.wait_online(10s, after_first)) << agent.process().output();
}

}  // namespace
}  // namespace door::test
