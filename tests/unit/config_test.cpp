#include "agent/config.hpp"

#include <gtest/gtest.h>

namespace door::agent {
namespace {

TEST(Config, BrokerDialectWithDefaults) {
  AgentConfig c;
  std::string error;
  ASSERT_TRUE(parse_config(
      R"({"hub":"mqtt","connection":{"host":"broker.local","deviceId":"door-1","password":"p"}})",
      "agent.json", c, error))
      << error;
  EXPECT_EQ(c.connection.hub, HubDialect::mqtt);
  EXPECT_EQ(c.connection.port, 8883);
  EXPECT_EQ(c.connection.username, "door-1");  // defaults to the device id
  EXPECT_TRUE(c.connection.verify_server);     // on unless explicitly disabled
  EXPECT_EQ(c.connection.keep_alive_seconds, 60);
  EXPECT_EQ(c.connection.reconnect_max_ms, 30000);
  EXPECT_EQ(c.log_level, port::Level::info);
}

TEST(Config, AzureDialectTakesItsIdentityFromTheConnectionString) {
  AgentConfig c;
  std::string error;
  ASSERT_TRUE(parse_config(
      R"({"hub":"azure","logLevel":"debug","connection":{"connectionString":"HostName=hub.azure-devices.net;DeviceId=door-9;SharedAccessKey=a2V5a2V5","sasTokenSeconds":600}})",
      "agent.json", c, error))
      << error;
  EXPECT_EQ(c.connection.hub, HubDialect::azure);
  EXPECT_EQ(c.connection.host, "hub.azure-devices.net");
  EXPECT_EQ(c.connection.hub_host_name, "hub.azure-devices.net");
  EXPECT_EQ(c.connection.device_id, "door-9");
  EXPECT_EQ(c.connection.sas_token_seconds, 600);
  EXPECT_EQ(c.log_level, port::Level::debug);
}

TEST(Config, AGatewayIsWhereTheAgentConnects) {
  AgentConfig c;
  std::string error;
  ASSERT_TRUE(parse_config(
      R"({"hub":"azure","connection":{"connectionString":"HostName=hub.azure-devices.net;DeviceId=d;SharedAccessKey=a2V5;GatewayHostName=edge.local"}})",
      "agent.json", c, error))
      << error;
  EXPECT_EQ(c.connection.host, "edge.local");
  EXPECT_EQ(c.connection.hub_host_name, "hub.azure-devices.net");
}

TEST(Config, ErrorsNameTheFileAndTheMember) {
  AgentConfig c;
  std::string error;
  EXPECT_FALSE(parse_config(
      R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d","password":"p","keepAliveSeconds":5000}})",
      "/etc/door-agent/config.json", c, error));
  EXPECT_EQ(error,
            "/etc/door-agent/config.json: connection.keepAliveSeconds: must be a whole number "
            "from 5 to 1177");
  EXPECT_FALSE(parse_config(
      R"({"hub":"azure","connection":{"connectionString":"HostName=h;DeviceId=d;SharedAccessKey=a2V5","password":"p"}})",
      "a.json", c, error));
  EXPECT_NE(error.find("come from connectionString"), std::string::npos) << error;
  EXPECT_FALSE(
      parse_config(R"({"hub":"mqtt","logLevel":"loud","connection":{}})", "a.json", c, error));
  EXPECT_NE(error.find("logLevel"), std::string::npos) << error;
}

}  // namespace
}  // namespace door::agent
