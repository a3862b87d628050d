// Desired properties end to end: the real door-agent applies, persists and acknowledges them in
// both dialects; for IoT Hub the test plays the hub (answers the twin GET, checks each reported
// PATCH and answers it).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "agent_process.hpp"
#include "broker.hpp"
#include "memory_usage.hpp"
#include "mqtt_client.hpp"
#include "port/file.hpp"

namespace door::test {
namespace {

// The whole file, or empty when it cannot be read.
std::string slurp(const std::string& path) {
  const port::Result<std::string> text = port::read_small_file(path, 1 << 20);
  return text.is_ok() ? text.value() : std::string{};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// "k0":0,...,"k999":999 (about 9 KB), the members of a legal desired document.
std::string thousand_members() {
  std::string text;
  for (int i = 0; i < 1000; ++i)
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text.pop_back();
  return text;
}

// Desired members at the agent's limits: 64-character names and 256-byte values (IoT Hub allows
// more, and a value over 256 bytes is acknowledged with ac 400). Joined with commas.
std::string members(const std::string& prefix, int count, std::size_t value_bytes = 254) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    std::string name = prefix + std::to_string(i);
    name.resize(64, 'k');
    text += (i == 0 ? "\"" : ",\"") + name + "\":\"" + std::string(value_bytes, 'v') + "\"";
  }
  return text;
}

// A desired document of about `bytes`: "floor":3, 31 keys at the agent's limits (every key it
// keeps), then values it refuses (4 KB strings, as IoT Hub allows) up to the size.
std::string large_desired(std::size_t bytes, int64_t version) {
  std::string doc = R"({"floor":3,)" + members("key", 31);
  const std::size_t refused = bytes > doc.size() + 64 ? (bytes - doc.size() - 64) / 4080 : 0;
  if (refused > 0) doc += "," + members("big", static_cast<int>(refused), 4000);
  return doc + R"(,"$version":)" + std::to_string(version) + "}";
}

class BrokerTwin : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(service_.connect(), "");
    ASSERT_TRUE(service_.subscribe("devices/door-1/twin/reported"));
    start_agent();
  }

  void start_agent() {
    agent_ = std::make_unique<AgentProcess>(broker_dialect_config(
        broker_.port(), "door-1", "",
        R"("stateFile":")" + dir_.file("desired.json") + "\"," + fake_door_section(dir_)));
    ASSERT_TRUE(agent_->wait_online()) << agent_->process().output();
  }

  void set_desired(const std::string& document) {
    ASSERT_TRUE(service_.publish("devices/door-1/twin/desired", document, 1, true));
  }

  // The next reported document that contains part (retained or fresh); empty, and a failure,
  // when none comes.
  std::string reported_with(const std::string& part) {
    for (;;) {
      const auto m = service_.receive_on("devices/door-1/twin/reported", 10s);
      if (!m) {
        ADD_FAILURE() << "no reported document with " << part;
        return {};
      }
      if (has(m->payload, part)) return m->payload;
    }
  }

  TempDir dir_;
  Broker broker_;
  MqttClient service_{scheduler_options(broker_)};
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(BrokerTwin, TheSeedsPatchIsAppliedPersistedAndAcknowledged) {
  set_desired(R"({"$version":1,"building":43,"floor":3})");
  const std::string reported = reported_with(R"("av":1)");
  EXPECT_TRUE(has(reported, R"("building":{"value":43,"ac":200,"av":1,"ad":"applied"})"))
      << reported;
  EXPECT_TRUE(has(reported, R"("floor":{"value":3,"ac":200,"av":1,"ad":"applied"})")) << reported;
  EXPECT_TRUE(has(reported, R"("door":{"lock":"locked","door":"closed"})")) << reported;
  EXPECT_TRUE(has(reported, R"("agent":{"version":")")) << reported;
  EXPECT_EQ(slurp(dir_.file("desired.json")),
            R"({"$version":1,"desired":{"building":43,"floor":3}})");
}

TEST_F(BrokerTwin, AStaleVersionIsIgnoredAndABadValueKeepsTheOldOne) {
  set_desired(R"({"$version":2,"floor":3})");
  reported_with(R"("av":2)");
  const std::size_t from = agent_->process().line_count();
  set_desired(R"({"$version":1,"floor":7})");
  ASSERT_TRUE(agent_->process().wait_for_output("version 1 ignored", 10s, from))
      << agent_->process().output();
  set_desired(R"({"$version":3,"floor":"roof"})");
  const std::string reported = reported_with(R"("av":3)");
  EXPECT_TRUE(has(reported, R"("floor":{"value":3,"ac":400,"av":3,"ad":"must be a whole number)"))
      << reported;
  EXPECT_EQ(slurp(dir_.file("desired.json")), R"({"$version":3,"desired":{"floor":3}})");
}

TEST_F(BrokerTwin, ARepeatedVersionIsIgnoredAtNoticeLevelAndTheHeldVersionIsReported) {
  set_desired(R"({"$version":2,"building":7})");
  reported_with(R"("av":2)");
  const std::size_t from = agent_->process().line_count();
  // A service that lost the document once wrote the same version again with other keys; the agent
  // ignored it with a debug line only.
  set_desired(R"({"$version":2,"floor":5})");
  ASSERT_TRUE(agent_->process().wait_for_output(
      "notice: desired properties: version 2 ignored (version 2 is applied)", 10s, from))
      << agent_->process().output();
  EXPECT_EQ(slurp(dir_.file("desired.json")), R"({"$version":2,"desired":{"building":7}})");
}

TEST_F(BrokerTwin, AChangeMadeWhileTheAgentIsStoppedIsAppliedWhenItStarts) {
  set_desired(R"({"$version":1,"building":43})");
  reported_with(R"("av":1)");
  agent_->process().signal(SIGTERM);
  ASSERT_TRUE(agent_->process().wait_exit(10s));
  set_desired(R"({"$version":2,"building":50,"floor":-1})");
  start_agent();
  const std::string reported = reported_with(R"("av":2)");
  EXPECT_TRUE(has(reported, R"("building":{"value":50,"ac":200,"av":2)")) << reported;
  EXPECT_TRUE(has(reported, R"("floor":{"value":-1,"ac":200,"av":2)")) << reported;
}

TEST_F(BrokerTwin, AppliedSettingsTakeEffectWithoutARestart) {
  ASSERT_TRUE(service_.subscribe("devices/door-1/methods/res/#"));
  set_desired(R"({"$version":1,"defaultLockTime":"10m","strikeTimeSeconds":1})");
  reported_with(R"("av":1)");
  ASSERT_TRUE(service_.publish("devices/door-1/methods/POST/lockDoor/?$rid=1", ""));
  const auto locked = service_.receive_on("devices/door-1/methods/res/", 10s);
  ASSERT_TRUE(locked);
  EXPECT_TRUE(has(locked->payload, R"("until":")")) << locked->payload;  // held for 10 minutes
  ASSERT_TRUE(service_.publish("devices/door-1/methods/POST/unlockDoor/?$rid=2", ""));
  ASSERT_TRUE(service_.receive_on("devices/door-1/methods/res/", 10s));
  EXPECT_FALSE(reported_with(R"("door":{"lock":"unlocked")").empty());
  // Relocked by itself after a second, which the reported door state shows.
  EXPECT_FALSE(reported_with(R"("door":{"lock":"locked")").empty());
}

TEST_F(BrokerTwin, PeriodicStateEventsFollowTheDesiredInterval) {
  ASSERT_TRUE(service_.subscribe("devices/door-1/messages/events/#"));
  set_desired(R"({"$version":1,"telemetryIntervalSeconds":1})");
  for (int i = 0; i < 2; ++i) {
    const auto event = service_.receive_on("devices/door-1/messages/events/", 10s);
    ASSERT_TRUE(event);
    EXPECT_TRUE(has(event->payload, R"("event":"state","lock":"locked")")) << event->payload;
  }
}

TEST_F(BrokerTwin, ADesiredLogLevelSurvivesAConfigReload) {
  set_desired(R"({"$version":1,"logLevel":"warning"})");
  reported_with(R"("av":1)");
  agent_->process().signal(SIGHUP);
  // At warning level the reload's notice is not logged, and a lock's info line neither.
  ASSERT_TRUE(service_.publish("devices/door-1/methods/POST/unlockDoor/?$rid=1", ""));
  ASSERT_TRUE(service_.subscribe("devices/door-1/methods/res/#"));
  ASSERT_TRUE(service_.publish("devices/door-1/methods/POST/getDoorState/?$rid=2", ""));
  ASSERT_TRUE(service_.receive_on("devices/door-1/methods/res/", 10s));
  EXPECT_EQ(agent_->process().count_output("method getDoorState (rid 2): 200"), 0u)
      << agent_->process().output();
}

// Versions past 2^53 are exact; a key named twice and a number that would change get ac 400 and
// the old value stays; a desired "door" or "agent" never makes the report name them twice.
TEST_F(BrokerTwin, ExactVersionsAndRefusalsOfWhatCannotBeKeptAsGiven) {
  set_desired(R"({"$version":9007199254740993,"floor":5,"building":1})");
  reported_with(R"("av":9007199254740993)");
  set_desired(R"({"$version":9007199254740994,"floor":5,"floor":"x","building":2,)"
              R"("big":9007199254740993,"door":"open","agent":1})");
  const std::string reported = reported_with(R"("av":9007199254740994)");
  EXPECT_TRUE(has(reported, R"("floor":{"value":5,"ac":400,"av":9007199254740994,)"
                            R"("ad":"refused: named more than once in one change"})"))
      << reported;
  EXPECT_TRUE(has(reported, R"("building":{"value":2,"ac":200,"av":9007199254740994)")) << reported;
  EXPECT_TRUE(has(reported, R"("big":{"value":null,"ac":400,"av":9007199254740994)")) << reported;
  EXPECT_EQ(count(reported, R"("door":{"lock")"), 1u) << reported;
  EXPECT_EQ(count(reported, R"("agent":)"), 1u) << reported;
  EXPECT_FALSE(has(reported, R"("door":{"value")")) << reported;
  EXPECT_TRUE(has(reported, R"("desiredVersion":9007199254740994})")) << reported;
  set_desired(R"({"$version":9223372036854775807,"floor":6})");
  EXPECT_TRUE(has(reported_with(R"("av":9223372036854775807)"),
                  R"("floor":{"value":6,"ac":200,"av":9223372036854775807)"));
  EXPECT_EQ(slurp(dir_.file("desired.json")),
            R"({"$version":9223372036854775807,"desired":{"floor":6}})");
}

// With the state file's file system failing (a directory where the temporary file goes fails every
// save, also for root), the change is acknowledged with 500 and why, saved again with backoff, and
// applied and acknowledged with 200 once the file can be written.
TEST_F(BrokerTwin, AFailedSaveIsAcknowledgedWith500AndRetriedUntilSaved) {
  set_desired(R"({"$version":1,"floor":3})");
  reported_with(R"("av":1)");
  ASSERT_EQ(mkdir(dir_.file("desired.json.tmp").c_str(), 0700), 0);
  set_desired(R"({"$version":2,"floor":4})");
  const std::string failed = reported_with(R"("ac":500)");
  EXPECT_TRUE(has(failed, R"("floor":{"value":3,"ac":500,"av":2,)"
                          R"("ad":"not saved: Is a directory; retrying"})"))
      << failed;
  const auto first = agent_->process().wait_for_line("cannot save", 10s);
  ASSERT_TRUE(first) << agent_->process().output();
  ASSERT_TRUE(agent_->process().wait_for_line("cannot save", 10s, *first + 1))
      << agent_->process().output();
  ASSERT_EQ(rmdir(dir_.file("desired.json.tmp").c_str()), 0);
  EXPECT_FALSE(reported_with(R"("floor":{"value":4,"ac":200,"av":2)").empty());
  EXPECT_EQ(slurp(dir_.file("desired.json")), R"({"$version":2,"desired":{"floor":4}})");
}

// A legal 1,000-key document was dropped as "not a JSON object", with no acknowledgement.
TEST_F(BrokerTwin, AThousandKeyDocumentKeepsWhatFitsAndRefusesTheRest) {
  set_desired(R"({"$version":1,)" + thousand_members() + "}");
  const std::string reported = reported_with(R"("av":1)");
  EXPECT_TRUE(has(reported, R"("k31":{"value":31,"ac":200,"av":1)")) << reported;
  EXPECT_TRUE(has(reported, R"("k32":{"value":null,"ac":400,"av":1,)"
                            R"("ad":"refused: the device keeps at most 32 keys"})"))
      << reported;
}

// IoT Hub accepts desired properties up to 32 KB: a desired document of 20 KB, and one of 32 KB,
// is applied (the agent once ignored anything over 16 KiB); one of 60 KB is over the hub's limit,
// logged, and the agent carries on with what it has.
TEST_F(BrokerTwin, LargeDesiredDocumentsAreAppliedUpToIoTHubsLimit) {
  for (const auto& [bytes, version] : {std::pair<std::size_t, int>{20000, 1}, {32700, 2}}) {
    const std::string doc = large_desired(bytes, version);
    ASSERT_GE(doc.size(), bytes - 4100);
    ASSERT_LE(doc.size(), 32 * 1024);
    set_desired(doc);
    const std::string av = R"("av":)" + std::to_string(version);
    const std::string reported = reported_with(R"("floor":{"value":3,"ac":200,)" + av);
    EXPECT_TRUE(has(reported, R"("key30kkkk)")) << reported.substr(0, 300);
  }
  const std::size_t from = agent_->process().line_count();
  set_desired(large_desired(60000, 3));
  EXPECT_TRUE(agent_->process().wait_for_output("over IoT Hub's twin limits", 10s, from))
      << agent_->process().output();
  set_desired(R"({"$version":4,"floor":5})");
  EXPECT_FALSE(reported_with(R"("floor":{"value":5,"ac":200,"av":4)").empty());
}

// --- IoT Hub ---

class AzureTwin : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(hub_.connect(), "");
    ASSERT_TRUE(hub_.subscribe("$iothub/twin/GET/#", 0));
    ASSERT_TRUE(hub_.subscribe("$iothub/twin/PATCH/properties/reported/#", 0));
    agent_ = std::make_unique<AgentProcess>(azure_dialect_config(
        broker_.azure_port(), "door-3", "",
        R"("stateFile":")" + dir_.file("desired.json") + "\"," + fake_door_section(dir_)));
    ASSERT_TRUE(agent_->wait_online()) << agent_->process().output();
  }

  // Waits for the next request on topic_prefix and returns its rid.
  std::string next_request(const std::string& topic_prefix, std::string* payload = nullptr) {
    const auto m = hub_.receive_on(topic_prefix, 15s);
    if (!m) return "<none>";
    if (payload != nullptr) *payload = m->payload;
    return m->topic.substr(m->topic.find("$rid=") + 5);
  }

  void answer(int status, const std::string& rid, const std::string& body = "") {
    ASSERT_TRUE(
        hub_.publish("$iothub/twin/res/" + std::to_string(status) + "/?$rid=" + rid, body, 0));
  }

  // The delay in seconds that the agent's log line starting with text states ("... in 1.3 s").
  double stated_delay(const std::string& text) {
    if (!agent_->process().wait_for_output(text, 10s)) return -1;
    const std::string output = agent_->process().output();
    return std::stod(output.substr(output.find(text) + text.size()));
  }

  std::string next_report(std::string* rid = nullptr) {
    std::string payload;
    const std::string r = next_request("$iothub/twin/PATCH/properties/reported/", &payload);
    if (rid != nullptr) *rid = r;
    return payload;
  }

  TempDir dir_;
  Broker broker_;
  MqttClient hub_{hub_options(broker_)};
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(AzureTwin, TheTwinGetIsAppliedAndReportedWithPlugAndPlayAcks) {
  const std::string get = next_request("$iothub/twin/GET/");
  answer(200, get,
         R"({"desired":{"building":43,"floor":3,"$version":5},"reported":{"$version":1}})");
  std::string rid;
  const std::string report = next_report(&rid);
  EXPECT_TRUE(has(report, R"("building":{"value":43,"ac":200,"av":5,"ad":"applied"})")) << report;
  EXPECT_TRUE(has(report, R"("agent":{"version":")")) << report;
  answer(204, rid + "&$version=2");
  EXPECT_TRUE(
      agent_->process().wait_for_output("ready: desired properties reconciled at version 5", 5s))
      << agent_->process().output();
}

TEST_F(AzureTwin, PatchesAreAppliedStaleOnesIgnoredAndBusyAnswersRetried) {
  answer(200, next_request("$iothub/twin/GET/"), R"({"desired":{"$version":5},"reported":{}})");
  std::string rid;
  next_report(&rid);
  answer(204, rid);

  ASSERT_TRUE(hub_.publish("$iothub/twin/PATCH/properties/desired/?$version=6",
                           R"({"floor":4,"$version":6})", 0));
  std::string report = next_report(&rid);
  EXPECT_TRUE(has(report, R"("floor":{"value":4,"ac":200,"av":6)")) << report;
  answer(429, rid);  // throttled: the agent sends the report again, after IoT Hub's 1 s at least
  const double delay = stated_delay("reported properties answered 429; sending again in ");
  EXPECT_GE(delay, 1.0);
  EXPECT_LE(delay, 5.0);
  std::string retry_rid;
  report = next_report(&retry_rid);
  EXPECT_NE(retry_rid, rid);
  EXPECT_TRUE(has(report, R"("floor":{"value":4,"ac":200,"av":6)")) << report;
  answer(204, retry_rid);

  const std::size_t from = agent_->process().line_count();
  ASSERT_TRUE(hub_.publish("$iothub/twin/PATCH/properties/desired/?$version=6",
                           R"({"floor":9,"$version":6})", 0));
  EXPECT_TRUE(agent_->process().wait_for_output("version 6 ignored", 10s, from));
  EXPECT_EQ(slurp(dir_.file("desired.json")), R"({"$version":6,"desired":{"floor":4}})");
  ASSERT_TRUE(hub_.publish("$iothub/twin/PATCH/properties/desired/?$version=7",
                           R"({"floor":null,"$version":7})", 0));
  report = next_report();
  EXPECT_TRUE(has(report, R"("floor":null)")) << report;  // deleted from the twin
}

TEST_F(AzureTwin, ExactVersionsAndRefusalsOfWhatCannotBeKeptAsGiven) {
  answer(200, next_request("$iothub/twin/GET/"),
         R"({"desired":{"floor":5,"$version":9007199254740993},"reported":{}})");
  std::string rid;
  EXPECT_TRUE(has(next_report(&rid), R"("floor":{"value":5,"ac":200,"av":9007199254740993)"));
  answer(204, rid);
  ASSERT_TRUE(hub_.publish("$iothub/twin/PATCH/properties/desired/?$version=9007199254740994",
                           R"({"floor":5,"floor":"x","big":1e400,"door":"open","agent":1,)"
                           R"("$version":9007199254740994})",
                           0));
  const std::string report = next_report(&rid);
  EXPECT_TRUE(has(report, R"("floor":{"value":5,"ac":400,"av":9007199254740994,)"
                          R"("ad":"refused: named more than once in one change"})"))
      << report;
  EXPECT_TRUE(has(report, R"("big":{"value":null,"ac":400,"av":9007199254740994)")) << report;
  EXPECT_EQ(count(report, R"("door":{"lock")"), 1u) << report;
  EXPECT_EQ(count(report, R"("agent":)"), 1u) << report;
  EXPECT_FALSE(has(report, R"("door":{"value")")) << report;
  answer(204, rid);
  ASSERT_TRUE(hub_.publish("$iothub/twin/PATCH/properties/desired/?$version=9223372036854775807",
                           R"({"floor":6,"$version":9223372036854775807})", 0));
  EXPECT_TRUE(has(next_report(), R"("floor":{"value":6,"ac":200,"av":9223372036854775807)"));
}

// A twin GET answer that could not be applied was followed by "ready" all the same.
TEST_F(AzureTwin, AGetAnswerThatCannotBeAppliedIsAskedAgain) {
  answer(200, next_request("$iothub/twin/GET/"), R"({"desired":[1],"reported":{}})");
  const std::string again = next_request("$iothub/twin/GET/");
  ASSERT_NE(again, "<none>");
  EXPECT_EQ(agent_->process().count_output("ready:"), 0u) << agent_->process().output();
  answer(200, again, R"({"desired":{"floor":2,"$version":3},"reported":{}})");
  EXPECT_TRUE(has(next_report(), R"("floor":{"value":2,"ac":200,"av":3)"));
  EXPECT_TRUE(agent_->process().wait_for_output("ready:", 10s)) << agent_->process().output();
}

TEST_F(AzureTwin, AFailedSaveIsAcknowledgedWith500AndRetriedUntilSaved) {
  ASSERT_EQ(mkdir(dir_.file("desired.json.tmp").c_str(), 0700), 0);
  answer(200, next_request("$iothub/twin/GET/"),
         R"({"desired":{"floor":2,"$version":3},"reported":{}})");
  std::string rid;
  std::string report = next_report(&rid);
  EXPECT_TRUE(has(report, R"("floor":{"value":null,"ac":500,"av":3,)"
                          R"("ad":"not saved: Is a directory; retrying"})"))
      << report;
  answer(204, rid);
  ASSERT_EQ(rmdir(dir_.file("desired.json.tmp").c_str()), 0);
  report = next_report(&rid);
  EXPECT_TRUE(has(report, R"("floor":{"value":2,"ac":200,"av":3,"ad":"applied"})")) << report;
  EXPECT_TRUE(has(report, R"("desiredVersion":3})")) << report;
  answer(204, rid);
  EXPECT_EQ(slurp(dir_.file("desired.json")), R"({"$version":3,"desired":{"floor":2}})");
}

TEST_F(AzureTwin, AThousandKeyDocumentKeepsWhatFitsAndRefusesTheRest) {
  answer(200, next_request("$iothub/twin/GET/"),
         R"({"desired":{"$version":1,)" + thousand_members() + R"(},"reported":{}})");
  const std::string report = next_report();
  EXPECT_TRUE(has(report, R"("k31":{"value":31,"ac":200,"av":1)")) << report;
  EXPECT_TRUE(has(report, R"("k32":{"value":null,"ac":400,"av":1,)"
                          R"("ad":"refused: the device keeps at most 32 keys"})"))
      << report;
}

TEST_F(AzureTwin, AFailedTwinGetIsAskedAgain) {
  answer(500, next_request("$iothub/twin/GET/"));
  const std::string again = next_request("$iothub/twin/GET/");
  EXPECT_NE(again, "<none>");
  answer(200, again, R"({"desired":{"floor":2,"$version":3},"reported":{}})");
  EXPECT_TRUE(has(next_report(), R"("floor":{"value":2,"ac":200,"av":3)"));
}

// A twin GET answer of about 20 KB (32 keys at the agent's limits and the acknowledgements it
// reported for them) and one of about 60 KB (IoT Hub allows 32 KB desired and 32 KB reported) are
// applied; the agent once ignored anything over 16 KiB, asked again every 10 s and never became
// ready.
class AzureLargeTwin : public AzureTwin {
 protected:
  void expect_applied(const std::string& desired, const std::string& reported) {
    const std::string body = R"({"desired":)" + desired + R"(,"reported":)" + reported + "}";
    const std::string get = next_request("$iothub/twin/GET/");
    const long before = memory_usage(agent_->process().pid()).rss_kib;
    answer(200, get, body);
    std::string rid;
    const std::string report = next_report(&rid);
    EXPECT_TRUE(has(report, R"("floor":{"value":3,"ac":200,"av":5)")) << report.substr(0, 300);
    EXPECT_TRUE(has(report, R"("key30kkkk)")) << report.substr(0, 300);
    answer(204, rid);
    EXPECT_TRUE(agent_->process().wait_for_output("reconciled at version 5", 10s))
        << agent_->process().output();
    std::printf("twin GET answer of %zu bytes applied: RSS %ld -> %ld KiB\n", body.size(), before,
                memory_usage(agent_->process().pid()).rss_kib);
  }
};

TEST_F(AzureLargeTwin, ATwinGetAnswerOfTwentyKilobytesIsApplied) {
  const std::string acks = members("key", 32, 300);  // as large as the agent's own reports
  ASSERT_NO_FATAL_FAILURE(expect_applied(
      large_desired(10000, 5), R"({"agent":{"version":"0.1.0"},)" + acks + R"(,"$version":9})"));
}

TEST_F(AzureLargeTwin, ATwinGetAnswerOfSixtyKilobytesIsApplied) {
  const std::string reported = R"({"agent":{"version":"0.1.0"},)" + members("key", 32, 300) + "," +
                               members("old", 5, 4000) + R"(,"$version":12})";
  ASSERT_GT(reported.size(), 31000u);
  ASSERT_NO_FATAL_FAILURE(expect_applied(large_desired(31000, 5), reported));
}

// Over IoT Hub's limits the answer is logged and the agent carries on with what it has: ready,
// applying later patches, not asking again every 10 s.
TEST_F(AzureTwin, ATwinGetAnswerOverIoTHubsLimitsIsLoggedAndTheAgentCarriesOn) {
  const std::string huge = R"({"desired":)" + large_desired(30000, 5) + R"(,"reported":{)" +
                           members("old", 12, 4000) + "}}";
  ASSERT_GT(huge.size(), 68u * 1024);
  answer(200, next_request("$iothub/twin/GET/"), huge);
  EXPECT_TRUE(agent_->process().wait_for_output("over IoT Hub's twin limits", 10s));
  EXPECT_TRUE(agent_->process().wait_for_output("reconciled at version 0", 10s))
      << agent_->process().output();
  std::string rid;
  next_report(&rid);
  answer(204, rid);
  ASSERT_TRUE(hub_.publish("$iothub/twin/PATCH/properties/desired/?$version=7",
                           R"({"floor":4,"$version":7})", 0));
  EXPECT_TRUE(has(next_report(), R"("floor":{"value":4,"ac":200,"av":7)"));
}

// IoT Hub's guidance: a throttled request waits at least 1 s (at most 100 s, with jitter); a
// request the hub refuses for good is not sent again in a loop.
TEST_F(AzureTwin, AThrottledTwinGetIsAskedAgainAfterAtLeastASecond) {
  const std::string throttled = next_request("$iothub/twin/GET/");
  answer(429, throttled);
  const double delay = stated_delay("twin GET answered 429; asking again in ");
  EXPECT_GE(delay, 1.0);
  EXPECT_LE(delay, 5.0);
  const std::string again = next_request("$iothub/twin/GET/");
  EXPECT_NE(again, "<none>");
  EXPECT_NE(again, throttled);
  answer(200, again, R"({"desired":{"floor":2,"$version":3},"reported":{}})");
  EXPECT_TRUE(has(next_report(), R"("floor":{"value":2,"ac":200,"av":3)"));
}

TEST_F(AzureTwin, ATwinGetRefusedForGoodIsNotAskedAgainInALoop) {
  answer(404, next_request("$iothub/twin/GET/"));
  EXPECT_TRUE(agent_->process().wait_for_output(
      "twin GET refused with 404; not asking again before the next connect", 10s))
      << agent_->process().output();
}

}  // namespace
}  // namespace door::test
