#include "agent/config.hpp"
#include "unit_test_support.hpp"

#include <gtest/gtest.h>

namespace door::agent {
namespace {

// The config in out and an empty error, or the first problem in error: what these tests check.
bool parse(const std::string& text, const std::string& path, AgentConfig& out, std::string& error,
           std::vector<std::string>* problems = nullptr) {
  return test::take_result(parse_config(text, path, problems), out, error);
}

TEST(Config, BrokerDialectWithDefaults) {
  AgentConfig c;
  std::string error;
  ASSERT_TRUE(parse(
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
  ASSERT_TRUE(parse(
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
  ASSERT_TRUE(parse(
      R"({"hub":"azure","connection":{"connectionString":"HostName=hub.azure-devices.net;DeviceId=d;SharedAccessKey=a2V5;GatewayHostName=edge.local"}})",
      "agent.json", c, error))
      << error;
  EXPECT_EQ(c.connection.host, "edge.local");
  EXPECT_EQ(c.connection.hub_host_name, "hub.azure-devices.net");
}

TEST(Config, ErrorsNameTheFileAndTheMember) {
  AgentConfig c;
  std::string error;
  EXPECT_FALSE(parse(
      R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d","password":"p","keepAliveSeconds":5000}})",
      "/etc/door-agent/config.json", c, error));
  EXPECT_EQ(error,
            "/etc/door-agent/config.json: connection.keepAliveSeconds: must be a whole number "
            "from 5 to 1177");
  EXPECT_FALSE(parse(
      R"({"hub":"azure","connection":{"connectionString":"HostName=h;DeviceId=d;SharedAccessKey=a2V5","password":"p"}})",
      "a.json", c, error));
  EXPECT_NE(error.find("come from connectionString"), std::string::npos) << error;
  EXPECT_FALSE(parse(R"({"hub":"mqtt","logLevel":"loud","connection":{}})", "a.json", c, error));
  EXPECT_NE(error.find("logLevel"), std::string::npos) << error;
}

TEST(Config, SyntaxErrorsSayLineAndColumn) {
  AgentConfig c;
  std::string error;
  EXPECT_FALSE(
      parse("{\"hub\": \"mqtt\",\n\"connection\": {\"host\": \"h\",}\n}", "a.json", c, error));
  EXPECT_EQ(error, "a.json: JSON: not valid JSON (near line 2, column 29)");
}

// Unknown members are refused in every dialect: with the azure hub the connection string says
// where to connect, and a "host" beside it would silently be ignored.
TEST(Config, AzureRefusesAHostBesideTheConnectionString) {
  AgentConfig c;
  std::string error;
  EXPECT_FALSE(parse(
      R"({"hub":"azure","connection":{"connectionString":"HostName=h;DeviceId=d;SharedAccessKey=a2V5","host":"other"}})",
      "a.json", c, error));
  EXPECT_NE(error.find("a.json: connection.host: not for the azure hub"), std::string::npos)
      << error;
}

constexpr const char* kConnection =
    R"("hub":"mqtt","connection":{"host":"h","deviceId":"d","password":"p"})";

// A member named twice was read as its first value by the config and as its last by other readers.
TEST(Config, AMemberNamedTwiceIsRefusedAndNamed) {
  AgentConfig c;
  std::string error;
  EXPECT_FALSE(parse(std::string("{") + kConnection + R"(,"logLevel":"info","logLevel":"debug"})",
                     "a.json", c, error));
  EXPECT_EQ(error, R"(a.json: JSON: a member is named twice in one object: "logLevel")");
  EXPECT_FALSE(
      parse(R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d","password":"p","host":"x"}})",
            "a.json", c, error));
  EXPECT_EQ(error, R"(a.json: JSON: a member is named twice in one object: "host")");
}

// Found by fuzzing: a number outside the range of long long (or not a number at all) was
// converted before the range check, which is undefined behaviour.
TEST(Config, NumbersOutsideEveryRangeAreRefused) {
  for (const char* port : {"\"8883\"", "1e300", "-1e300", "1e999", "65536", "80.5", "null"}) {
    AgentConfig c;
    std::string error;
    EXPECT_FALSE(parse(std::string(R"({"hub":"mqtt","connection":{"host":"h","deviceId":)"
                                   R"("d","password":"p","port":)") +
                           port + "}}",
                       "a.json", c, error))
        << port;
    EXPECT_EQ(error, "a.json: connection.port: must be a whole number from 1 to 65535") << port;
  }
}

// Found by fuzzing: names and values from the file were quoted raw, so a "\n" in a key split the
// one-line error.
TEST(Config, ProblemsQuoteTheFileOnOneLine) {
  AgentConfig c;
  std::string error;
  std::vector<std::string> problems;
  EXPECT_FALSE(
      parse(R"({"hub":"mq\ntt","connection":{},"x\"\u0001":1})", "a.json", c, error, &problems));
  EXPECT_EQ(error, R"(a.json: top level: unknown key "x\"\u0001")");
  ASSERT_GE(problems.size(), 2u);
  EXPECT_EQ(problems[1], R"(a.json: hub: unknown hub "mq\u000Att" (use "azure" or "mqtt"))");
}

TEST(Config, DoorSectionWithAllLines) {
  AgentConfig c;
  std::string error;
  ASSERT_TRUE(parse(std::string("{") + kConnection + R"(,"door":{"gpio":"chardev",
      "chip":"/dev/gpiochip4","failMode":"secure","defaultState":"locked","feedbackTimeoutMs":500,
      "refuseLockWhenOpen":true,"closeWaitSeconds":90,
      "lock":{"line":"GPIO17","activeLow":true,"energizedMeans":"unlocked"},
      "feedback":{"line":"GPIO27","bias":"pull-up"},
      "doorContact":{"line":"GPIO22","bias":"pull-up","debounceMs":20}}})",
                    "a.json", c, error))
      << error;
  EXPECT_TRUE(c.door.configured);
  EXPECT_FALSE(c.door.fake_gpio);
  EXPECT_EQ(c.door.chip, "/dev/gpiochip4");
  EXPECT_EQ(c.door.lock.spec.line, "GPIO17");
  EXPECT_TRUE(c.door.lock.spec.active_low);
  EXPECT_EQ(c.door.feedback.spec.bias, hal::Bias::pull_up);
  EXPECT_EQ(c.door.contact.spec.debounce_us, 20000u);
  EXPECT_TRUE(c.door.lock_settings.energized_unlocks);
  EXPECT_EQ(c.door.lock_settings.feedback_timeout_ms, 500);
  EXPECT_TRUE(c.door.lock_settings.refuse_lock_when_open);
  EXPECT_EQ(c.door.lock_settings.close_wait_ms, 90000);
}

TEST(Config, ADoorLocksAnOpenDoorUnlessToldAndWaitsAMinuteAtMostWhenTold) {
  AgentConfig c;
  std::string error;
  ASSERT_TRUE(
      parse(std::string("{") + kConnection + R"(,"door":{"gpio":"fake","lock":{"line":"LOCK"}}})",
            "a.json", c, error))
      << error;
  EXPECT_FALSE(c.door.lock_settings.refuse_lock_when_open);
  EXPECT_EQ(c.door.lock_settings.close_wait_ms, 60000);
  EXPECT_FALSE(parse(std::string("{") + kConnection +
                         R"(,"door":{"gpio":"fake","lock":{"line":"LOCK"},"closeWaitSeconds":0}})",
                     "a.json", c, error));
  EXPECT_NE(error.find("closeWaitSeconds"), std::string::npos) << error;
}

// The release of an unlockDoor without unlockTime: 5 s unless the door section says otherwise.
TEST(Config, TheStrikeTimeIsFiveSecondsUnlessTheDoorSetsOneFromASecondToADay) {
  AgentConfig c;
  std::string error;
  const std::string top = std::string("{") + kConnection + R"(,"door":{"lock":{"line":"L"})";
  ASSERT_TRUE(parse(top + "}}", "a.json", c, error)) << error;
  EXPECT_EQ(c.door.strike_time_seconds, 5);
  ASSERT_TRUE(parse(top + R"(,"strikeTimeSeconds":86400}})", "a.json", c, error)) << error;
  EXPECT_EQ(c.door.strike_time_seconds, 86400);
  for (const char* value : {"0", "86401", R"("5s")"}) {
    EXPECT_FALSE(parse(top + R"(,"strikeTimeSeconds":)" + value + "}}", "a.json", c, error));
    EXPECT_EQ(error, "a.json: door.strikeTimeSeconds: must be a whole number from 1 to 86400")
        << value;
  }
}

TEST(Config, DoorErrorsNameTheMember) {
  struct Case {
    const char* door;
    const char* error;
  };
  for (const Case& k : {
           Case{R"({"lock":{}})", "door.lock.line: required"},
           Case{R"({"gpio":"fake"})", "door.lock: required"},
           Case{R"({"lock":{"line":"L","energizedMeans":"locked"}})", "\"secure\" needs a lock"},
           Case{R"({"lock":{"line":"L"},"failMode":"fire"})", "door.failMode: use one of"},
           Case{R"({"lock":{"line":"L","debounceMs":5}})", "door.lock: unknown key \"debounceMs\""},
           Case{R"({"lock":{"line":"L"},"doorContact":{"line":"D","bias":"up"}})",
                "door.doorContact.bias: use one of"},
           Case{R"({"lock":{"line":"L"},"fake":{}})", "door.fake: only with"},
       }) {
    AgentConfig c;
    std::string error;
    EXPECT_FALSE(
        parse(std::string("{") + kConnection + ",\"door\":" + k.door + "}", "a.json", c, error))
        << k.door;
    EXPECT_NE(error.find(k.error), std::string::npos) << k.door << " -> " << error;
  }
}

}  // namespace
}  // namespace door::agent
