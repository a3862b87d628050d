// A catalogue of hostile messages, in both dialects: each one is answered with the documented 4xx
// or logged and ignored, the agent stays up, and its memory stays flat when the catalogue is sent
// again and again.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "memory_usage.hpp"
#include "mqtt_client.hpp"

namespace door::test {
namespace {

// One hostile message. "{rid}" in the topic becomes a fresh request id. Sent at QoS 0: Paho's
// synchronous client can wait out a 100 ms poll for each QoS 1 acknowledgement.
struct Hostile {
  std::string what;
  std::string topic;
  std::string payload;
  int status = 0;      // the answer expected, or 0 when the message must be ignored
  std::string logged;  // what the agent logs when it ignores the message
  bool retained = false;
};

std::string nested(const std::string& open, const std::string& close, int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += open;
  text += "1";
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

// Messages every dialect answers the same way, on its method request topic `methods`
// ("<prefix>/methods/POST/").
std::vector<Hostile> method_catalogue(const std::string& methods) {
  const auto call = [&](const std::string& what, const std::string& payload, int status,
                        const std::string& method = "lockDoor") {
    return Hostile{what, methods + method + "/?$rid={rid}", payload, status, "", false};
  };
  const std::string ignored = "ignored a message on unexpected topic";
  const auto odd_topic = [&](const std::string& what, const std::string& rest) {
    return Hostile{what, methods + rest, "{}", 0, ignored, false};
  };
  return {
      // Not JSON, or not a JSON object.
      call("unclosed object", "{", 400),
      call("missing value", R"({"lockTime":})", 400),
      call("unclosed array", "[1,2", 400),
      call("truncated literal", "nul", 400),
      call("trailing comma", R"({"lockTime":"10s",})", 400),
      call("single quotes", "{'lockTime':'10s'}", 400),
      call("two documents", R"({"lockTime":"10s"}{"lockTime":"20s"})", 400),
      call("a string", R"("10s")", 400),
      call("a number", "42", 400),
      call("an array", "[]", 400),
      call("invalid UTF-8 before the document", "\xff\xfe{}", 400),
      call("invalid UTF-8 in a value", "{\"lockTime\":\"\xff\xfe\"}", 400),
      call("invalid UTF-8 in a field name", "{\"\xc3\x28\":1}", 400),
      call("escaped NUL in a value", R"({"lockTime":"1\u0000s"})", 400),
      call("raw NUL inside the payload", std::string("{\"lockTime\":\"1s\0\"}", 18), 400),
      // Wrong types and values.
      call("boolean duration", R"({"lockTime":true})", 400),
      call("array duration", R"({"lockTime":[]})", 400),
      call("object duration", R"({"lockTime":{}})", 400),
      call("negative duration", R"({"lockTime":-1})", 400),
      call("zero duration", R"({"lockTime":0})", 400),
      call("fractional duration", R"({"lockTime":1.5})", 400),
      call("infinite duration", R"({"lockTime":1e309})", 400),
      call("duration over 7 days", R"({"lockTime":604801})", 400),
      call("duration in days", R"({"lockTime":"8d"})", 400),
      call("unknown unit", R"({"lockTime":"10x"})", 400),
      call("empty duration", R"({"lockTime":""})", 400),
      call("overflowing duration", R"({"lockTime":"99999999999999999999s"})", 400),
      call("another method's field", R"({"unlockTime":"5s"})", 400),
      call("repeated field", R"({"lockTime":"10s","lockTime":"bad"})", 400),
      call("field on a method without fields", R"({"verbose":true})", 400, "getDoorState"),
      // Deep nesting and huge strings within the size limit.
      call("arrays nested 5000 deep", nested("[", "]", 5000), 400),
      call("objects nested 500 deep in a field",
           R"({"lockTime":)" + nested(R"({"a":)", "}", 500) + "}", 400),
      call("16000-digit duration", R"({"lockTime":")" + std::string(16000, '9') + R"("})", 400),
      call("15000-byte field name", R"({")" + std::string(15000, 'k') + R"(":1})", 400),
      call("16 KiB of white space: no fields", std::string(16 * 1024, ' '), 200, "getDoorState"),
      // Over the size limit.
      call("one byte over the limit", std::string(16 * 1024 + 1, 'x'), 413),
      call("256 KiB payload", std::string(256 * 1024, '{'), 413),
      // Methods the device does not have.
      call("unknown method", "{}", 404, "openSesame"),
      call("method name in another case", "{}", 404, "LOCKDOOR"),
      call("64-character method name", "{}", 404, std::string(64, 'm')),
      // Topics that are not method requests of this protocol.
      odd_topic("no request id", "lockDoor/"),
      odd_topic("no request id nor slash", "lockDoor"),
      odd_topic("empty request id", "lockDoor/?$rid="),
      odd_topic("repeated request id", "lockDoor/?$rid=1&$rid=2"),
      odd_topic("unknown parameter", "lockDoor/?$rid=1&admin=1"),
      odd_topic("empty method name", "/?$rid=1"),
      odd_topic("space in the method name", "lock Door/?$rid=1"),
      odd_topic("non-ASCII method name", "lockD\xc3\xb6or/?$rid=1"),
      odd_topic("quote and backslash in the method name", "lock\"Door\\/?$rid=1"),
      odd_topic("emoji in the method name", "lock\xf0\x9f\x94\x92/?$rid=1"),
      odd_topic("65-character method name", std::string(65, 'm') + "/?$rid=1"),
      odd_topic("65-character request id", "lockDoor/?$rid=" + std::string(65, 'r')),
      odd_topic("percent in the request id", "lockDoor/?$rid=a%20b"),
      odd_topic("an extra topic level", "lock/Door/?$rid=1"),
      Hostile{"topic over 320 bytes", methods + std::string(400, 't') + "/?$rid=1", "{}", 0,
              "ignored a message whose topic is longer than", false},
  };
}

// Desired documents for the broker dialect (retained, the full document each time).
std::vector<Hostile> desired_catalogue(const std::string& topic) {
  const auto doc = [&](const std::string& what, const std::string& payload,
                       const std::string& logged) {
    return Hostile{what, topic, payload, 0, "desired properties: " + logged, true};
  };
  const std::string not_object = "ignored a message that is not a JSON object";
  const std::string no_version = "ignored a change without a valid $version";
  return {
      doc("a valid document first", R"({"$version":5,"building":43})", "version 5 applied"),
      doc("not JSON", "{", not_object),
      doc("an array", "[]", not_object),
      doc("invalid UTF-8", "\xff{}", not_object),
      doc("no version", R"({"building":44})", no_version),
      doc("version as a string", R"({"$version":"6","building":44})", no_version),
      doc("negative version", R"({"$version":-1,"building":44})", no_version),
      doc("huge version", R"({"$version":1e300,"building":44})", no_version),
      doc("stale version", R"({"$version":3,"building":1})", "version 3 ignored"),
      doc("the applied version again", R"({"$version":5,"building":1})", "version 5 ignored"),
      doc("a field name with invalid UTF-8", "{\"$version\":6,\"b\xff\":1}", "ignored a key"),
      Hostile{"a document over IoT Hub's size limit", topic,
              R"({"$version":7,"note":")" + std::string(33 * 1024, 'n') + R"("})", 0,
              "over IoT Hub's twin limits", true},
  };
}

// The Azure dialect's own topics.
std::vector<Hostile> azure_catalogue() {
  const std::string patch = "$iothub/twin/PATCH/properties/desired/";
  return {
      Hostile{"desired patch without a version", patch, R"({"building":1})", 0,
              "ignored a message on unexpected topic", false},
      Hostile{"desired patch with a word as version", patch + "?$version=abc", "{}", 0,
              "ignored a message on unexpected topic", false},
      Hostile{"desired patch that is not JSON", patch + "?$version=9", "[", 0,
              "ignored a message that is not a JSON object", false},
      Hostile{"twin response with a word as status", "$iothub/twin/res/abc/?$rid=1", "{}", 0,
              "ignored a message on unexpected topic", false},
      Hostile{"twin response nothing waits for", "$iothub/twin/res/200/?$rid=999", "{}", 0,
              "that nothing waits for", false},
  };
}

bool valid_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : 4;
    if (c >= 0x80 && ((c >> 6) == 0x2 || c >= 0xf8)) return false;
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    }
    i += length;
  }
  return true;
}

// Sends hostile messages to one agent and checks what each one got.
class HostileSender {
 public:
  HostileSender(AgentProcess& agent, MqttClient& service, std::string methods,
                std::string responses)
      : agent_(agent),
        service_(service),
        methods_(std::move(methods)),
        responses_(std::move(responses)) {}

  void send(const Hostile& message) {
    SCOPED_TRACE(message.what);
    const std::string rid = "h" + std::to_string(++sent_);
    std::string topic = message.topic;
    if (const auto at = topic.find("{rid}"); at != std::string::npos) topic.replace(at, 5, rid);
    ASSERT_TRUE(service_.publish(topic, message.payload, 0, message.retained));
    if (message.status != 0) {
      expect_answer(rid, message.status);
      return;
    }
    // Messages are handled in order: once a later call is answered, this one has been handled.
    ASSERT_TRUE(service_.publish(methods_ + "getDoorState/?$rid=p" + rid, "", 0));
    const auto probe = service_.receive_on(responses_, 10s);
    ASSERT_TRUE(probe) << agent_.process().output();
    EXPECT_NE(probe->topic.find("?$rid=p" + rid), std::string::npos) << probe->topic;
    // Log lines come in order: each ignored message's line follows the previous one's.
    const auto line = agent_.process().wait_for_line(message.logged, 10s, next_log_line_);
    ASSERT_TRUE(line) << agent_.process().output();
    next_log_line_ = *line + 1;
  }

 private:
  void expect_answer(const std::string& rid, int status) {
    const auto answer = service_.receive_on(responses_, 10s);
    ASSERT_TRUE(answer) << agent_.process().output();
    EXPECT_EQ(answer->topic, responses_ + std::to_string(status) + "/?$rid=" + rid);
    // The answer is valid JSON and UTF-8 whatever came in, with a message saying why.
    EXPECT_TRUE(valid_utf8(answer->payload)) << answer->payload;
    cJSON* body = cJSON_Parse(answer->payload.c_str());
    EXPECT_TRUE(cJSON_IsObject(body)) << answer->payload;
    if (status >= 400) {
      EXPECT_TRUE(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "message")))
          << answer->payload;
    }
    cJSON_Delete(body);
  }

  AgentProcess& agent_;
  MqttClient& service_;
  std::string methods_;
  std::string responses_;
  int sent_ = 0;
  std::size_t next_log_line_ = 0;
};

// Sends the catalogue kWarmUpRounds times (allocators and buffers settle), then kRounds times
// more, and checks that the agent's memory did not grow meanwhile.
constexpr int kWarmUpRounds = 5;
constexpr int kRounds = 5;

// Desired versions apply only once: the retained documents are not sent again.
void send_again(HostileSender& sender, const std::vector<Hostile>& catalogue, int rounds) {
  for (int round = 0; round < rounds && !::testing::Test::HasFailure(); ++round) {
    for (const Hostile& message : catalogue) {
      if (!message.retained) sender.send(message);
    }
  }
}

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer's allocator (agent processes included) grows by itself: the asan build checks
// the answers, the other builds the memory too.
constexpr bool kCheckMemory = false;
#else
constexpr bool kCheckMemory = true;
#endif

void expect_flat_memory(AgentProcess& agent, HostileSender& sender,
                        const std::vector<Hostile>& catalogue) {
  for (const Hostile& message : catalogue) sender.send(message);
  send_again(sender, catalogue, kWarmUpRounds - 1);
  const MemoryUsage before = memory_usage(agent.process().pid());
  send_again(sender, catalogue, kRounds);
  const MemoryUsage after = memory_usage(agent.process().pid());
  ASSERT_GT(before.rss_kib, 0);
  std::printf(
      "%zu hostile messages, %d rounds after the warm-up: RSS %ld -> %ld KiB, private dirty "
      "%ld -> %ld KiB\n",
      catalogue.size(), kRounds, before.rss_kib, after.rss_kib, before.private_dirty_kib,
      after.private_dirty_kib);
  EXPECT_TRUE(agent.process().running());
  if (!kCheckMemory) return;
  EXPECT_LE(after.rss_kib - before.rss_kib, 64)
      << "RSS " << before.rss_kib << " -> " << after.rss_kib << " KiB";
  EXPECT_LE(after.private_dirty_kib - before.private_dirty_kib, 64)
      << "private dirty " << before.private_dirty_kib << " -> " << after.private_dirty_kib
      << " KiB";
}

// A fake door and a state file in dir: the door methods and desired documents reach their parsers.
std::string door_and_state(const TempDir& dir) {
  return R"("stateFile":")" + dir.file("desired.json") + "\"," + fake_door_section(dir);
}

constexpr const char* kRequests = "devices/door-1/methods/POST/";
constexpr const char* kResponses = "devices/door-1/methods/res/";

// Waits for the broker-dialect agent door-1 and connects the service, listening for its answers.
void connect_service(AgentProcess& agent, MqttClient& service) {
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.subscribe(std::string(kResponses) + "#"));
}

TEST(HostileInput, BrokerDialectAnswersOrIgnoresEveryMessageWithFlatMemory) {
  Broker broker;
  TempDir dir;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1", "", door_and_state(dir)));
  MqttClient service(scheduler_options(broker));
  ASSERT_NO_FATAL_FAILURE(connect_service(agent, service));
  HostileSender sender(agent, service, kRequests, kResponses);

  std::vector<Hostile> catalogue = method_catalogue(kRequests);
  const std::vector<Hostile> desired = desired_catalogue("devices/door-1/twin/desired");
  catalogue.insert(catalogue.end(), desired.begin(), desired.end());
  EXPECT_GE(catalogue.size(), 50u);
  expect_flat_memory(agent, sender, catalogue);
}

TEST(HostileInput, AzureDialectAnswersOrIgnoresEveryMessageWithFlatMemory) {
  Broker broker;
  TempDir dir;
  MqttClient hub(hub_options(broker));
  ASSERT_EQ(hub.connect(), "");
  ASSERT_TRUE(hub.subscribe("$iothub/twin/GET/#", 0));
  ASSERT_TRUE(hub.subscribe("$iothub/methods/res/#"));
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3", "", door_and_state(dir)));
  // Desired patches count once the twin GET is answered.
  ASSERT_TRUE(hub.receive_on("$iothub/twin/GET/?$rid=1", 20s)) << agent.process().output();
  ASSERT_TRUE(hub.publish("$iothub/twin/res/200/?$rid=1", R"({"desired":{"$version":1}})", 0));
  ASSERT_TRUE(agent.process().wait_for_output("ready:", 20s)) << agent.process().output();
  HostileSender sender(agent, hub, "$iothub/methods/POST/", "$iothub/methods/res/");

  std::vector<Hostile> catalogue = method_catalogue("$iothub/methods/POST/");
  const std::vector<Hostile> azure = azure_catalogue();
  catalogue.insert(catalogue.end(), azure.begin(), azure.end());
  expect_flat_memory(agent, sender, catalogue);
}

TEST(HostileInput, WithoutDoorHardwareEveryDoorMethodAnswers503) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  MqttClient service(scheduler_options(broker));
  ASSERT_NO_FATAL_FAILURE(connect_service(agent, service));
  HostileSender sender(agent, service, kRequests, kResponses);
  for (const char* method : {"lockDoor", "unlockDoor", "getDoorState"}) {
    sender.send({method, kRequests + std::string(method) + "/?$rid={rid}", "{", 503, "", false});
  }
}

// A flood fills the agent's inbox: every call is still answered, in order, and the agent does not
// slow to a crawl (a full inbox once stalled Paho, and with it the answers, for a second a call).
TEST(HostileInput, AFloodOfCallsIsAnsweredInFull) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  MqttClient service(scheduler_options(broker));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.subscribe(std::string(kResponses) + "#", 0));
  constexpr int kCalls = 500;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(
        service.publish(kRequests + std::string("flood/?$rid=") + std::to_string(i), "", 0));
  }
  for (int i = 0; i < kCalls; ++i) {
    const auto answer = service.receive(10s);
    ASSERT_TRUE(answer) << i << " answers of " << kCalls << agent.process().output();
    EXPECT_EQ(answer->topic, kResponses + std::string("404/?$rid=") + std::to_string(i));
  }
}

// Bursts of messages the agent ignores (refused method names, topics without a request id) with
// calls among them, far more than the inbox's slots, each burst sent at once: every call is
// answered within seconds. Messages past the slots once waited in Paho for its next packet, a
// keep-alive away (60 s here), so a call behind 20 ignored messages went unanswered.
void expect_bursts_answered(AgentProcess& agent, MqttClient& service, const std::string& methods,
                            const std::string& responses) {
  constexpr int kBursts = 3;
  constexpr int kIgnoredPerCall = 25;
  constexpr int kCallsPerBurst = 8;
  for (int burst = 0; burst < kBursts; ++burst) {
    std::vector<std::string> rids;
    for (int call = 0; call < kCallsPerBurst; ++call) {
      for (int i = 0; i < kIgnoredPerCall; ++i) {
        const std::string junk = i % 2 == 0 ? "bad name!/?$rid=j" : "getDoorState/";
        ASSERT_TRUE(service.publish(methods + junk, "{}", 0));
      }
      rids.push_back("b" + std::to_string(burst) + "c" + std::to_string(call));
      ASSERT_TRUE(service.publish(methods + "getDoorState/?$rid=" + rids.back(), "", 0));
    }
    for (const std::string& rid : rids) {
      const auto answer = service.receive_on(responses, 5s);
      ASSERT_TRUE(answer) << "no answer for " << rid << " in burst " << burst << "\n"
                          << agent.process().output();
      EXPECT_NE(answer->topic.find("?$rid=" + rid), std::string::npos) << answer->topic;
    }
  }
  EXPECT_EQ(agent.process().count_output("inbox full"), 0u) << agent.process().output();
}

TEST(HostileInput, BrokerDialectAnswersEveryCallInBurstsOfIgnoredMessages) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  MqttClient service(scheduler_options(broker));
  ASSERT_NO_FATAL_FAILURE(connect_service(agent, service));
  expect_bursts_answered(agent, service, kRequests, kResponses);
}

TEST(HostileInput, AzureDialectAnswersEveryCallInBurstsOfIgnoredMessages) {
  Broker broker;
  MqttClient hub(hub_options(broker));
  ASSERT_EQ(hub.connect(), "");
  ASSERT_TRUE(hub.subscribe("$iothub/methods/res/#"));
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  expect_bursts_answered(agent, hub, "$iothub/methods/POST/", "$iothub/methods/res/");
}

}  // namespace
}  // namespace door::test
