// What releases the door, end to end in both dialects: an unlockDoor without a time is a momentary
// release of the strike time, an indefinite one must be asked for by name and lasts until lockDoor,
// and a request published with the retain flag is never run. The fake's transition log shows what
// the lock output did.
#include <gtest/gtest.h>

#include "door_fixture.hpp"

namespace door::test {
namespace {

constexpr const char* kRetainedRefusal =
    R"({"message":"a retained method request is not executed"})";

class DoorRelease : public DoorControl {
 protected:
  // A short strike time, so a release that falls back to it would end within the test.
  void SetUp() override { start_agent(R"("strikeTimeSeconds":1)"); }

  int method_qos() const { return GetParam() == Hub::mqtt ? 1 : 0; }

  // The answer to a request the test published itself under rid.
  Response answer_to(const std::string& rid) {
    for (;;) {
      const auto m = service_->receive_on(prefix_ + "res/", 10s);
      if (!m) return {};
      if (m->topic.find("/?$rid=" + rid) == std::string::npos) continue;
      return {std::stoi(m->topic.substr(m->topic.find("res/") + 4, 3)), m->payload};
    }
  }

  // A network blip: another client takes the agent's client id, so the broker drops the agent's
  // connection and the agent connects again.
  void drop_the_agents_connection() {
    const std::size_t from = agent_->process().line_count();
    ClientOptions options =
        GetParam() == Hub::mqtt ? device_options(broker_, device_) : hub_options(broker_);
    options.client_id = device_;
    {
      MqttClient impostor(options);
      ASSERT_EQ(impostor.connect(), "");
    }
    ASSERT_TRUE(agent_->process().wait_for_output("connection lost", 10s, from))
        << agent_->process().output();
    ASSERT_TRUE(agent_->wait_online(30s, from)) << agent_->process().output();
  }
};

TEST_P(DoorRelease, AnUnlockWithoutATimeRelocksAfterTheStrikeTime) {
  const Response r = call("unlockDoor", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("lock":"unlocked","door":"closed","until":")"), std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("indefinite"), std::string::npos) << r.body;
  EXPECT_NE(next_event().find(R"("event":"unlocked")"), std::string::npos);
  EXPECT_NE(next_event().find(R"("event":"locked")"), std::string::npos);  // by itself
  const std::vector<Transition> log = timed_lock_transitions(dir_);
  std::vector<std::string> what;
  for (const Transition& t : log) what.push_back(t.what);
  ASSERT_EQ(what, (std::vector<std::string>{"request 0", "set 1", "set 0"}));
  EXPECT_GE(log[2].at_ms - log[1].at_ms, 1000);
}

TEST_P(DoorRelease, AnIndefiniteReleaseIsReportedAndLastsUntilLockDoor) {
  Response r = call("unlockDoor", R"({"unlockTime":"forever"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"(unlockTime: use a duration)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"(or \"indefinite\")"), std::string::npos) << r.body;

  r = call("unlockDoor", R"({"unlockTime":"indefinite"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("lock":"unlocked","door":"closed","indefinite":true})"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("until"), std::string::npos) << r.body;
  EXPECT_NE(next_event().find(R"("event":"unlocked","lock":"unlocked","door":"closed",)"
                              R"("indefinite":true,)"),
            std::string::npos);
  reported_with(reported_door(R"("lock":"unlocked","door":"closed")", "true"));
  // Twice the strike time without a door event: the release did not end by itself.
  EXPECT_FALSE(service_->receive_on("devices/" + device_ + "/messages/events/", 2s));
  EXPECT_EQ(call("getDoorState", "").body,
            R"({"lock":"unlocked","door":"closed","indefinite":true})");

  r = call("lockDoor", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("indefinite"), std::string::npos) << r.body;
  EXPECT_NE(next_event().find(R"("event":"locked","lock":"locked","door":"closed","at":)"),
            std::string::npos);
  reported_with(reported_door(R"("lock":"locked","door":"closed")"));
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
}

// A retained request reaches a subscriber with the retain flag only from the broker's store, when
// it subscribes: published while the agent is away, it comes at every connect after that.
TEST_P(DoorRelease, ARetainedUnlockDoorIsAnswered400AtEveryConnectAndNeverRun) {
  ASSERT_NO_FATAL_FAILURE(kill_agent());
  const std::string topic = prefix_ + "POST/unlockDoor/?$rid=retained";
  ASSERT_TRUE(service_->publish(topic, R"({"unlockTime":"indefinite"})", method_qos(), true));

  ASSERT_NO_FATAL_FAILURE(restart_agent());
  Response r = answer_to("retained");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, kRetainedRefusal);
  EXPECT_TRUE(agent_->process().wait_for_output("it came with the retain flag", 10s))
      << agent_->process().output();

  ASSERT_NO_FATAL_FAILURE(drop_the_agents_connection());
  r = answer_to("retained");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, kRetainedRefusal);

  ASSERT_NO_FATAL_FAILURE(kill_agent());
  ASSERT_NO_FATAL_FAILURE(restart_agent());
  r = answer_to("retained");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, kRetainedRefusal);

  EXPECT_EQ(call("getDoorState", "").body, R"({"lock":"locked","door":"closed"})");
  // Requested locked at each of the three starts, never driven otherwise.
  EXPECT_EQ(lock_transitions(dir_),
            (std::vector<std::string>{"request 0", "request 0", "request 0"}));
  ASSERT_TRUE(service_->publish(topic, "", method_qos(), true));  // clears the retained request
}

INSTANTIATE_TEST_SUITE_P(Dialects, DoorRelease, ::testing::Values(Hub::mqtt, Hub::azure), hub_name);

// The desired strikeTimeSeconds overrides the configured one (broker dialect: the service's
// retained desired document).
class DesiredStrikeTime : public DoorControl {
 protected:
  void SetUp() override { start_agent(R"("strikeTimeSeconds":3600)"); }
};

TEST_P(DesiredStrikeTime, OverridesTheConfiguredOne) {
  ASSERT_NO_FATAL_FAILURE(set_desired(R"({"$version":1,"strikeTimeSeconds":1})"));
  reported_with(R"("strikeTimeSeconds":{"value":1,"ac":200,"av":1)");
  EXPECT_EQ(call("unlockDoor", "").status, 200);
  EXPECT_NE(next_event().find(R"("event":"unlocked")"), std::string::npos);
  EXPECT_NE(next_event().find(R"("event":"locked")"), std::string::npos);  // not an hour later
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
}

INSTANTIATE_TEST_SUITE_P(Door, DesiredStrikeTime, ::testing::Values(Hub::mqtt), hub_name);

}  // namespace
}  // namespace door::test
