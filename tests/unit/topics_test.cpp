#include "protocol/topics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace door::protocol {
namespace {

using port::TextWriter;

std::string formatted(port::Status (*format)(TextWriter&, std::string_view), std::string_view arg) {
  char buf[512];
  TextWriter w(buf, sizeof buf);
  return format(w, arg).is_ok() ? std::string(w.view()) : "<failed>";
}

TEST(AzureTopics, ParsesAMethodRequest) {
  const InboundTopic t = azure::parse("$iothub/methods/POST/lockDoor/?$rid=1a");
  EXPECT_EQ(t.kind, InboundKind::method_request);
  EXPECT_EQ(t.method, "lockDoor");
  EXPECT_EQ(t.rid, "1a");
}

TEST(AzureTopics, ParsesTwinResponsesWithAndWithoutVersion) {
  InboundTopic t = azure::parse("$iothub/twin/res/200/?$rid=7");
  EXPECT_EQ(t.kind, InboundKind::twin_response);
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.rid, "7");
  EXPECT_EQ(t.version, -1);
  t = azure::parse("$iothub/twin/res/204/?$rid=8&$version=12");
  EXPECT_EQ(t.kind, InboundKind::twin_response);
  EXPECT_EQ(t.status, 204);
  EXPECT_EQ(t.version, 12);
}

TEST(AzureTopics, ParsesADesiredPatch) {
  const InboundTopic t = azure::parse("$iothub/twin/PATCH/properties/desired/?$version=42");
  EXPECT_EQ(t.kind, InboundKind::desired_patch);
  EXPECT_EQ(t.version, 42);
}

// Versions are 64-bit integers: every one up to 2^63 - 1 is read exactly.
TEST(AzureTopics, ReadsEveryVersionUpToTwoToThe63rdMinusOne) {
  EXPECT_EQ(
      azure::parse("$iothub/twin/PATCH/properties/desired/?$version=9007199254740993").version,
      9007199254740993);
  EXPECT_EQ(
      azure::parse("$iothub/twin/PATCH/properties/desired/?$version=9223372036854775807").version,
      INT64_MAX);
}

TEST(AzureTopics, RefusesWhatIsNotExactlyOurs) {
  for (const char* topic : {
           "",
           "$iothub/methods/POST/lockDoor",         // no query
           "$iothub/methods/POST/lockDoor/?",       // no rid
           "$iothub/methods/POST/lockDoor/?$rid=",  // empty rid
           "$iothub/methods/POST/lockDoor/?$rid=1&$rid=2",
           "$iothub/methods/POST/lockDoor/?$rid=1&x=2",
           "$iothub/methods/POST/lockDoor/?$rid=1&$version=3",
           "$iothub/methods/POST//?$rid=1",
           "$iothub/methods/POST/lock+Door/?$rid=1",
           "$iothub/methods/POST/a/b/?$rid=1",
           "$iothub/methods/POST/lockDoor/?$rid=a/b",
           "$iothub/twin/res/20/?$rid=1",
           "$iothub/twin/res/abc/?$rid=1",
           "$iothub/twin/res/600/?$rid=1",
           "$iothub/twin/res/200/?$version=1",
           "$iothub/twin/PATCH/properties/desired/?$version=-1",
           "$iothub/twin/PATCH/properties/desired/?$version=1x",
           "$iothub/twin/PATCH/properties/desired/?$version=9223372036854775808",  // 2^63
           "$iothub/twin/PATCH/properties/desired/?$rid=1",
           "$iothub/twin/PATCH/properties/reported/?$rid=1",
           "devices/d1/messages/devicebound/x",
       }) {
    EXPECT_EQ(azure::parse(topic).kind, InboundKind::none) << topic;
  }
}

TEST(AzureTopics, FormatsTheDocumentedTopics) {
  char buf[256];
  TextWriter w(buf, sizeof buf);
  ASSERT_TRUE(azure::format_method_response(w, 200, "1a").is_ok());
  EXPECT_EQ(w.view(), "$iothub/methods/res/200/?$rid=1a");
  EXPECT_EQ(formatted(azure::format_twin_get, "3"), "$iothub/twin/GET/?$rid=3");
  EXPECT_EQ(formatted(azure::format_reported_patch, "4"),
            "$iothub/twin/PATCH/properties/reported/?$rid=4");
  char buffer[256];
  port::TextWriter telemetry(buffer, sizeof buffer);
  ASSERT_TRUE(azure::format_telemetry(telemetry, "door-1", "alarm").is_ok());
  EXPECT_EQ(telemetry.view(),
            "devices/door-1/messages/events/$.ct=application%2Fjson&$.ce=utf-8&eventType=alarm");
  port::TextWriter odd(buffer, sizeof buffer);
  EXPECT_FALSE(azure::format_telemetry(odd, "door-1", "a&b=c").is_ok());
  w.clear();
  ASSERT_TRUE(azure::format_username(w, "myhub.azure-devices.net", "door-1").is_ok());
  EXPECT_EQ(w.view(), "myhub.azure-devices.net/door-1/?api-version=2021-04-12");
  EXPECT_EQ(azure::kMethodsSubscription, "$iothub/methods/POST/#");
  EXPECT_EQ(azure::kTwinResponseSubscription, "$iothub/twin/res/#");
  EXPECT_EQ(azure::kDesiredPatchSubscription, "$iothub/twin/PATCH/properties/desired/#");
}

TEST(AzureTopics, FormattingFailsRatherThanTruncating) {
  char small[20];
  TextWriter w(small, sizeof small);
  EXPECT_EQ(azure::format_method_response(w, 200, "123"), port::Status::too_large());
  EXPECT_FALSE(w.ok());
  char buf[256];
  TextWriter bad(buf, sizeof buf);
  // Would inject a topic level.
  EXPECT_EQ(azure::format_method_response(bad, 200, "a/b"), port::Status::invalid());
  EXPECT_EQ(azure::format_method_response(bad, 99, "1"), port::Status::invalid());
}

TEST(BrokerTopics, ParsesOnlyThisDevicesTopics) {
  InboundTopic t = broker::parse("devices/door-1/methods/POST/unlockDoor/?$rid=9", "door-1");
  EXPECT_EQ(t.kind, InboundKind::method_request);
  EXPECT_EQ(t.method, "unlockDoor");
  EXPECT_EQ(t.rid, "9");
  EXPECT_EQ(broker::parse("devices/door-1/twin/desired", "door-1").kind,
            InboundKind::desired_document);
  for (const char* topic :
       {"devices/door-2/methods/POST/unlockDoor/?$rid=9", "devices/door-1/methods/POST/unlockDoor/",
        "devices/door-1/methods/POST/unlockDoor/?$rid=9&$rid=9",
        "devices/door-1/twin/desired/extra", "devices/door-1/twin/reported",
        "devices/door-1/status", "devices/door-10/twin/desired", "devices/door-/twin/desired",
        "devices/door-1"}) {
    EXPECT_EQ(broker::parse(topic, "door-1").kind, InboundKind::none) << topic;
  }
}

TEST(BrokerTopics, FormatsTheDeviceScopedTopics) {
  EXPECT_EQ(formatted(broker::format_methods_subscription, "door-1"),
            "devices/door-1/methods/POST/#");
  EXPECT_EQ(formatted(broker::format_desired, "door-1"), "devices/door-1/twin/desired");
  EXPECT_EQ(formatted(broker::format_reported, "door-1"), "devices/door-1/twin/reported");
  EXPECT_EQ(formatted(broker::format_status, "door-1"), "devices/door-1/status");
  EXPECT_EQ(formatted(broker::format_telemetry, "door-1"), "devices/door-1/messages/events/");
  char buf[256];
  TextWriter w(buf, sizeof buf);
  ASSERT_TRUE(broker::format_method_response(w, "door-1", 404, "x").is_ok());
  EXPECT_EQ(w.view(), "devices/door-1/methods/res/404/?$rid=x");
  EXPECT_EQ(formatted(broker::format_status, "door/#"), "<failed>");
}

TEST(BrokerTopics, TheServiceSideReadsTheFleetsDocuments) {
  FleetTopic t = broker::parse_fleet_topic("devices/door-1/status");
  EXPECT_EQ(t.kind, FleetTopicKind::status);
  EXPECT_EQ(t.device_id, "door-1");
  EXPECT_EQ(broker::parse_fleet_topic("devices/door-2/twin/reported").kind,
            FleetTopicKind::reported);
  EXPECT_EQ(broker::parse_fleet_topic("devices/door-2/twin/desired").kind, FleetTopicKind::desired);
  t = broker::parse_fleet_topic("devices/door-3/methods/res/409/?$rid=job-1.1.7");
  EXPECT_EQ(t.kind, FleetTopicKind::method_response);
  EXPECT_EQ(t.device_id, "door-3");
  EXPECT_EQ(t.status, 409);
  EXPECT_EQ(t.rid, "job-1.1.7");
  char buf[256];
  TextWriter w(buf, sizeof buf);
  ASSERT_TRUE(broker::format_method_request(w, "door-3", "lockDoor", "job-1.1.7").is_ok());
  EXPECT_EQ(w.view(), "devices/door-3/methods/POST/lockDoor/?$rid=job-1.1.7");
  for (const char* topic : {"devices/door-1/methods/res/2000/?$rid=1", "devices//status",
                            "devices/a b/status", "devices/door-1/twin", "status"}) {
    EXPECT_EQ(broker::parse_fleet_topic(topic).kind, FleetTopicKind::none) << topic;
  }
}

// Found by fuzzing: each parser accepted a spelling that no formatter writes.
TEST(Topics, AcceptOnlyTheSpellingTheFormattersWrite) {
  for (const char* topic :
       {"$iothub/methods/POST/lockDoor/?$rid=1&", "$iothub/twin/res/200/?$rid=1&",
        "$iothub/twin/PATCH/properties/desired/?$version=2&"}) {
    EXPECT_EQ(azure::parse(topic).kind, InboundKind::none) << topic;
  }
  EXPECT_EQ(broker::parse("devices/door-1/methods/POST/lockDoor/?$rid=1&", "door-1").kind,
            InboundKind::none);
  for (const char* topic : {"devices/door-1/methods/res/200/?$rid=1&",
                            "devices/door-1/methods/res/200/?$rid=1&$version=2"}) {
    EXPECT_EQ(broker::parse_fleet_topic(topic).kind, FleetTopicKind::none) << topic;
  }
}

TEST(Identifiers, DeviceIdsAreSafeTopicLevels) {
  EXPECT_TRUE(valid_device_id("door-1.floor_3:a@b"));
  EXPECT_TRUE(valid_device_id(std::string(128, 'a')));
  for (const char* bad : {"", "a/b", "a+b", "a#b", "a b", "a$b", "ä"}) {
    EXPECT_FALSE(valid_device_id(bad)) << bad;
  }
  EXPECT_FALSE(valid_device_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_method_name(std::string(65, 'm')));
  EXPECT_FALSE(valid_request_id(std::string(65, '1')));
}

}  // namespace
}  // namespace door::protocol
