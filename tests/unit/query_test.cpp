#include "scheduler/query.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace door::scheduler {
namespace {

struct JsonFree {
  void operator()(cJSON* j) const { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonFree>;

// door-1 on floor 3 (acknowledged in Plug and Play form), building 43 desired, online.
class QueryTest : public ::testing::Test {
 protected:
  bool select(const std::string& text, const DeviceView& device) {
    Query q;
    std::string error;
    EXPECT_TRUE(q.parse(text, error)) << text << ": " << error;
    return q.matches(device);
  }
  std::string error_of(const std::string& text) {
    Query q;
    std::string error;
    EXPECT_FALSE(q.parse(text, error)) << text;
    return error;
  }

  Json reported_{cJSON_Parse(
      R"({"floor":{"value":3,"ac":200,"av":1},"note":"front","door":{"lock":"locked"}})")};
  Json desired_{cJSON_Parse(R"({"$version":4,"building":43})")};
  Json status_{cJSON_Parse(R"({"online":true})")};
  DeviceView door1_{"door-1", reported_.get(), desired_.get(), status_.get()};
  DeviceView bare_{"door-9", nullptr, nullptr, nullptr};
};

TEST_F(QueryTest, TheFormsOfTheIoTHubExamples) {
  EXPECT_TRUE(select("SELECT * FROM devices WHERE deviceId = 'door-1'", door1_));
  EXPECT_TRUE(select("select * from devices", bare_));
  EXPECT_TRUE(select("deviceId IN ['door-2', 'door-1']", door1_));
  EXPECT_FALSE(select("deviceId NIN ['door-2', 'door-1']", door1_));
  EXPECT_TRUE(select("properties.reported.floor = 3", door1_));  // compares the acked value
  EXPECT_TRUE(select("properties.reported.floor >= 3 AND properties.reported.floor < 4", door1_));
  EXPECT_TRUE(select("properties.desired.building = 43", door1_));
  EXPECT_TRUE(select("properties.reported.door.lock = \"locked\"", door1_));
  EXPECT_TRUE(select("status.online = true", door1_));
  EXPECT_TRUE(select("is_defined(properties.reported.note)", door1_));
  EXPECT_FALSE(select("is_defined(properties.reported.note)", bare_));
}

TEST_F(QueryTest, LogicAndPrecedence) {
  EXPECT_TRUE(
      select("deviceId = 'x' OR deviceId = 'door-1' AND properties.reported.floor = 3", door1_));
  EXPECT_FALSE(
      select("(deviceId = 'x' OR deviceId = 'door-1') AND properties.reported.floor = 4", door1_));
  EXPECT_TRUE(select("NOT deviceId = 'x'", door1_));
  EXPECT_TRUE(select("NOT NOT deviceId = 'door-1'", door1_));
  EXPECT_TRUE(select("deviceId != 'x' AND deviceId <> 'y'", door1_));
}

TEST_F(QueryTest, MissingValuesAndMismatchedTypesDoNotMatch) {
  EXPECT_FALSE(select("properties.reported.floor = 3", bare_));
  EXPECT_FALSE(select("properties.reported.floor = '3'", door1_));
  EXPECT_FALSE(select("properties.reported.floor > 'a'", door1_));
  EXPECT_FALSE(select("properties.reported.nothing < 10", door1_));
  EXPECT_TRUE(select("properties.reported.note > 'aaa'", door1_));  // strings order
}

TEST_F(QueryTest, ErrorsSayWhereAndWhat) {
  EXPECT_NE(error_of("").find("expected a name"), std::string::npos);
  EXPECT_NE(error_of("deviceId = ").find("expected a value"), std::string::npos);
  EXPECT_NE(error_of("deviceId = 'unterminated").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("deviceId == 'x'").find("expected a value"), std::string::npos);
  EXPECT_NE(error_of("tags.location = 'US'").find("unknown name 'tags.location'"),
            std::string::npos);
  EXPECT_NE(error_of("deviceId IN ['a'").find("expected ']'"), std::string::npos);
  EXPECT_NE(error_of("SELECT * FROM twins").find("expected devices"), std::string::npos);
  EXPECT_NE(error_of("deviceId = 'a' extra").find("unexpected text at character 16"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(500, '(') + "deviceId = 'a'" + std::string(500, ')'))
                .find("nested too deeply"),
            std::string::npos);
  std::string nots;
  for (int i = 0; i < 500; ++i) nots += "NOT ";
  EXPECT_NE(error_of(nots + "deviceId = 'a'").find("nested too deeply"), std::string::npos);
  EXPECT_NE(error_of("deviceId").find("expected a comparison"), std::string::npos);
}

}  // namespace
}  // namespace door::scheduler
