// Door control end to end: the real door-agent on the fake GPIO, driven over a TLS broker the way a
// service drives it, in both dialects; the fake's transition log shows what the lock output did.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"
#include "port/clock.hpp"

namespace door::test {
namespace {

enum class Hub { mqtt, azure };
void PrintTo(Hub hub, std::ostream* out) {
  *out << (hub == Hub::mqtt ? "mqtt" : "azure");
}
std::string hub_name(const ::testing::TestParamInfo<Hub>& info) {
  return info.param == Hub::mqtt ? "mqtt" : "azure";
}

struct Response {
  int status = 0;
  std::string body;
};

struct Transition {
  int64_t at_ms = 0;  // CLOCK_MONOTONIC, as port::monotonic_ms() reads it
  std::string what;   // "request 0", "set 1", "set-failed 1", "release 0"
};

// The LOCK lines of the transition log.
std::vector<Transition> timed_lock_transitions(const TempDir& dir) {
  std::ifstream in(dir.file("transitions.log"));
  std::vector<Transition> out;
  std::string stamp, line, what, level;
  while (in >> stamp >> line >> what >> level) {
    if (line == "LOCK") out.push_back({std::stoll(stamp), what + " " + level});
  }
  return out;
}

// The LOCK lines of the transition log, without timestamps.
std::vector<std::string> lock_transitions(const TempDir& dir) {
  std::vector<std::string> out;
  for (const Transition& t : timed_lock_transitions(dir)) out.push_back(t.what);
  return out;
}

class DoorControl : public ::testing::TestWithParam<Hub> {
 protected:
  void SetUp() override { start_agent(""); }

  void start_agent(const std::string& door_extra, const std::string& energized = "unlocked",
                   const std::string& fake_extra = "") {
    const std::string door = fake_door_section(dir_, energized, door_extra, fake_extra);
    const bool mqtt = GetParam() == Hub::mqtt;
    device_ = mqtt ? "door-1" : "door-3";
    service_ =
        std::make_unique<MqttClient>(mqtt ? scheduler_options(broker_) : hub_options(broker_));
    ASSERT_EQ(service_->connect(), "");
    prefix_ = mqtt ? "devices/" + device_ + "/methods/" : "$iothub/methods/";
    ASSERT_TRUE(service_->subscribe(prefix_ + "res/#", mqtt ? 1 : 0));
    ASSERT_TRUE(service_->subscribe("devices/" + device_ + "/messages/events/#"));
    // The reported properties: the broker's retained document, or IoT Hub's twin requests (the
    // test plays the hub and answers them).
    ASSERT_TRUE(mqtt ? service_->subscribe("devices/" + device_ + "/twin/reported")
                     : service_->subscribe("$iothub/twin/#", 0));
    const std::string top = R"("stateFile":")" + dir_.file("desired.json") + "\"," + door;
    config_ = mqtt ? broker_dialect_config(broker_.port(), device_, "", top)
                   : azure_dialect_config(broker_.azure_port(), device_, "", top);
    restart_agent();
  }

  // Starts the agent (again) with the config of start_agent().
  void restart_agent() {
    agent_ = std::make_unique<AgentProcess>(config_);
    ASSERT_TRUE(agent_->wait_online()) << agent_->process().output();
  }

  void kill_agent() {
    agent_->process().signal(SIGKILL);
    ASSERT_TRUE(agent_->process().wait_exit(10s));
  }

  // The next reported door state that contains part; for IoT Hub, answers the twin GET and every
  // reported PATCH as the hub would.
  std::string reported_with(const std::string& part) {
    const bool mqtt = GetParam() == Hub::mqtt;
    for (;;) {
      const auto m = service_->receive_on(
          mqtt ? "devices/" + device_ + "/twin/reported" : std::string("$iothub/twin/"), 10s);
      if (!m) {
        ADD_FAILURE() << "no reported properties with " << part;
        return {};
      }
      if (!mqtt) {
        const std::string rid = m->topic.substr(m->topic.find("$rid=") + 5);
        const bool get = m->topic.rfind("$iothub/twin/GET/", 0) == 0;
        if (!get && m->topic.rfind("$iothub/twin/PATCH/properties/reported/", 0) != 0) continue;
        EXPECT_TRUE(service_->publish(
            "$iothub/twin/res/" + std::string(get ? "200" : "204") + "/?$rid=" + rid,
            get ? R"({"desired":{"$version":1},"reported":{}})" : "", 0));
        if (get) continue;
      }
      if (m->payload.find(part) != std::string::npos) return m->payload;
    }
  }

  Response call(const std::string& method, const std::string& payload) {
    const std::string rid = std::to_string(++rid_);
    EXPECT_TRUE(service_->publish(prefix_ + "POST/" + method + "/?$rid=" + rid, payload,
                                  GetParam() == Hub::mqtt ? 1 : 0));
    const auto m = service_->receive_on(prefix_ + "res/", 10s);
    if (!m) return {};
    EXPECT_NE(m->topic.find("/?$rid=" + rid), std::string::npos) << m->topic;
    const auto at = m->topic.find("res/") + 4;
    return {std::stoi(m->topic.substr(at, 3)), m->payload};
  }

  // The next door event on the telemetry topic, skipping method responses.
  std::string next_event() {
    const auto m = service_->receive_on("devices/" + device_ + "/messages/events/", 10s);
    return m ? m->payload : std::string{};
  }

  void command(const std::string& text) {
    const std::size_t from = agent_->process().line_count();
    ASSERT_TRUE(fake_command(dir_, text));
    ASSERT_TRUE(agent_->process().wait_for_output("fake gpio: " + text, 10s, from))
        << agent_->process().output();
  }

  TempDir dir_;
  Broker broker_;
  std::string device_;
  std::string prefix_;
  std::unique_ptr<MqttClient> service_;
  std::unique_ptr<AgentProcess> agent_;
  std::string config_;
  int rid_ = 0;
};

TEST_P(DoorControl, LockDoorForATimeAnswersLikeTheReferenceDevice) {
  Response r = call("unlockDoor", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("Response":"unlockDoor called successfully")"), std::string::npos);
  r = call("lockDoor", R"({"lockTime":"10m"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.rfind(R"({"Response":"lockDoor called successfully","lock":"locked",)", 0), 0u)
      << r.body;
  EXPECT_NE(r.body.find(R"("until":")"), std::string::npos) << r.body;
  r = call("getDoorState", "null");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("lock":"locked","door":"closed")"), std::string::npos) << r.body;
  // The strike was requested locked (de-energized), released once, locked again.
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
  EXPECT_NE(next_event().find(R"({"event":"unlocked")"), std::string::npos);
  EXPECT_NE(next_event().find(R"({"event":"locked")"), std::string::npos);
}

TEST_P(DoorControl, BadPayloadsGet400NamingTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "must be a JSON object"},
      {R"({"lockTime":"forever"})", "lockTime: use a duration"},
      {R"({"lockTime":true})", "lockTime: use a duration"},
      {R"({"lockTime":0})", "lockTime: use a duration"},
      {R"({"lokTime":"5s"})", "unknown field 'lokTime'"},
  };
  for (const auto& [payload, message] : cases) {
    const Response r = call("lockDoor", payload);
    EXPECT_EQ(r.status, 400) << payload;
    EXPECT_NE(r.body.find(message), std::string::npos) << payload << " -> " << r.body;
  }
  EXPECT_EQ(call("unlockDoor", R"({"unlockTime":"3d"})").status, 400);
  EXPECT_EQ(lock_transitions(dir_), std::vector<std::string>{"request 0"});  // nothing moved
  EXPECT_TRUE(agent_->process().running());
}

// {"unlockTime":"2s","unlockTime":"1h"} held the door open for an hour: cJSON keeps both members
// and the handler took each in turn, the last one winning.
TEST_P(DoorControl, AFieldGivenTwiceGets400NamingItAndNothingMoves) {
  for (const char* payload :
       {R"({"unlockTime":"2s","unlockTime":"1h"})", R"({"unlockTime":"1h","unlockTime":"2s"})"}) {
    const Response r = call("unlockDoor", payload);
    EXPECT_EQ(r.status, 400) << payload;
    EXPECT_EQ(r.body, R"({"message":"a field is given more than once: unlockTime"})") << payload;
  }
  const Response r = call("lockDoor", R"({"lockTime":{"a":1,"a":2}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("more than once"), std::string::npos) << r.body;
  EXPECT_EQ(lock_transitions(dir_), std::vector<std::string>{"request 0"});  // nothing moved
}

TEST_P(DoorControl, AnOpenDoorIsNotLockedAndItsEventsAreReported) {
  ASSERT_EQ(call("unlockDoor", "").status, 200);
  EXPECT_NE(next_event().find(R"("event":"unlocked")"), std::string::npos);
  command("set DOOR active");
  // The agent has seen the door open once it says so; a call sent before could overtake it.
  EXPECT_NE(next_event().find(R"({"event":"opened","lock":"unlocked","door":"open")"),
            std::string::npos);
  const Response r = call("lockDoor", "");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find(R"("door":"open")"), std::string::npos) << r.body;
  command("set DOOR inactive");
  EXPECT_NE(next_event().find(R"("event":"closed")"), std::string::npos);
  EXPECT_EQ(call("lockDoor", "").status, 200);
}

TEST_P(DoorControl, FeedbackThatNeverConfirmsIsA500AndTheDoorStaysLocked) {
  command("stick FEEDBACK");
  const Response r = call("unlockDoor", "");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find(R"("lock":"fault")"), std::string::npos) << r.body;
  EXPECT_EQ(call("getDoorState", "").body.find(R"({"lock":"fault")"), 0u);
  // Tried to release, then back to locked (the secure fail-mode state) when nothing confirmed.
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
  EXPECT_NE(next_event().find(R"("event":"fault")"), std::string::npos);
}

TEST_P(DoorControl, AMomentaryReleaseRelocksByItself) {
  EXPECT_EQ(call("unlockDoor", R"({"unlockTime":1})").status, 200);
  EXPECT_NE(next_event().find(R"("event":"unlocked")"), std::string::npos);
  EXPECT_NE(next_event().find(R"("event":"locked")"), std::string::npos);  // about a second later
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
}

TEST_P(DoorControl, AFailedLockWriteIsA503AFaultEventAndAReportedFault) {
  command("fail LOCK");  // the line refuses writes, as a vanished chip would
  Response r = call("unlockDoor", "");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("writing the lock line failed: Input/output error; the door was put in "
                        "its fail-mode state"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("lock":"fault")"), std::string::npos) << r.body;
  EXPECT_NE(next_event().find(R"({"event":"fault","lock":"fault")"), std::string::npos);
  EXPECT_NE(reported_with(R"("lock":"fault")")
                .find(R"("fault":"writing the lock line failed: Input/output error")"),
            std::string::npos);
  r = call("getDoorState", "");
  EXPECT_EQ(r.body.find(R"({"lock":"fault")"), 0u) << r.body;
  EXPECT_EQ(call("lockDoor", "").status, 503);  // still failing: still a fault
  EXPECT_EQ(call("getDoorState", "").body.find(R"({"lock":"fault")"), 0u);
  command("repair LOCK");
  r = call("lockDoor", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(call("getDoorState", "").body, R"({"lock":"locked","door":"closed"})");
  reported_with(R"("door":{"lock":"locked","door":"closed"})");
  // The release was refused, so was the locked (secure fail-mode) state; the lock stayed locked.
  EXPECT_EQ(lock_transitions(dir_),
            (std::vector<std::string>{"request 0", "set-failed 1", "set-failed 0", "set-failed 0",
                                      "set-failed 0", "set 0"}));
  EXPECT_TRUE(agent_->process().running());
}

INSTANTIATE_TEST_SUITE_P(Dialects, DoorControl, ::testing::Values(Hub::mqtt, Hub::azure), hub_name);

// A timed state across a restart: a door whose default state is unlocked, locked for a while.
class TimedState : public DoorControl {
 protected:
  void SetUp() override { start_agent(R"("defaultState":"unlocked")"); }
};

TEST_P(TimedState, ATimedLockOutlivesAKillAndEndsOnTime) {
  const int64_t asked_at = port::monotonic_ms();
  ASSERT_EQ(call("lockDoor", R"({"lockTime":"4s"})").status, 200);
  ASSERT_NO_FATAL_FAILURE(kill_agent());
  ASSERT_NO_FATAL_FAILURE(restart_agent());
  EXPECT_NE(call("getDoorState", "").body.find(R"({"lock":"locked","door":"closed","until":")"),
            std::string::npos);
  ASSERT_TRUE(agent_->process().wait_for_output("door unlocked", 15s))
      << agent_->process().output();
  // Requested unlocked (energized), locked; after the kill requested locked again at once and
  // released only when the 4 s were over.
  const std::vector<Transition> log = timed_lock_transitions(dir_);
  std::vector<std::string> what;
  for (const Transition& t : log) what.push_back(t.what);
  ASSERT_EQ(what, (std::vector<std::string>{"request 1", "set 0", "request 0", "set 1"}));
  EXPECT_GE(log[3].at_ms, asked_at + 4000);
}

TEST_P(TimedState, ATimedLockThatEndedWhileStoppedIsNotResumed) {
  const int64_t asked_at = port::monotonic_ms();
  ASSERT_EQ(call("lockDoor", R"({"lockTime":1})").status, 200);
  ASSERT_NO_FATAL_FAILURE(kill_agent());
  // Stopped until after the deadline: waiting for a time, not for an event.
  while (port::monotonic_ms() < asked_at + 1500) usleep(50 * 1000);
  ASSERT_NO_FATAL_FAILURE(restart_agent());
  EXPECT_TRUE(agent_->process().wait_for_output("ended while the agent was stopped", 1s));
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 1", "set 0", "request 1"}));
  EXPECT_EQ(call("getDoorState", "").body, R"({"lock":"unlocked","door":"closed"})");
}

INSTANTIATE_TEST_SUITE_P(Dialects, TimedState, ::testing::Values(Hub::mqtt, Hub::azure), hub_name);

class FailMode : public DoorControl {
 protected:
  void SetUp() override {}
};

TEST_P(FailMode, SecureDoorStaysLockedThroughStopKillAndRestart) {
  ASSERT_NO_FATAL_FAILURE(start_agent(R"("failMode":"secure")"));
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"1h"})").status, 200);
  agent_->process().signal(SIGTERM);
  ASSERT_TRUE(agent_->process().wait_exit(10s));
  // A clean stop locks a released door before the line goes.
  EXPECT_EQ(lock_transitions(dir_),
            (std::vector<std::string>{"request 0", "set 1", "set 0", "release 0"}));

  std::remove(dir_.file("transitions.log").c_str());
  // The timed release recorded for a restart is not resumed: a secure door is not released at
  // start.
  ASSERT_NO_FATAL_FAILURE(restart_agent());
  ASSERT_NO_FATAL_FAILURE(kill_agent());
  // Requested locked, never driven otherwise; after the kill the strike is unpowered: locked.
  EXPECT_EQ(lock_transitions(dir_), std::vector<std::string>{"request 0"});
}

TEST_P(FailMode, SafeDoorIsReleasedWhenTheAgentStops) {
  ASSERT_NO_FATAL_FAILURE(
      start_agent(R"("failMode":"safe")", "locked"));  // a maglock on a fire exit
  EXPECT_EQ(call("getDoorState", "").body.find(R"({"lock":"locked")"), 0u);
  agent_->process().signal(SIGTERM);
  ASSERT_TRUE(agent_->process().wait_exit(10s));
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 1", "set 0", "release 0"}));
}

TEST_P(FailMode, ReconnectingDoesNotMoveTheLock) {
  ASSERT_NO_FATAL_FAILURE(start_agent(""));
  broker_.restart();
  ASSERT_TRUE(agent_->wait_online(30s, agent_->process().line_count() - 1))
      << agent_->process().output();
  EXPECT_EQ(lock_transitions(dir_), std::vector<std::string>{"request 0"});
}

TEST_P(FailMode, ReloadingTheConfigDoesNotMoveTheLock) {
  ASSERT_NO_FATAL_FAILURE(start_agent(""));
  const std::size_t from = agent_->process().line_count();
  agent_->process().signal(SIGHUP);
  ASSERT_TRUE(agent_->process().wait_for_output("SIGHUP: config reloaded", 10s, from))
      << agent_->process().output();
  EXPECT_EQ(call("getDoorState", "").status, 200);  // answered after the reload
  EXPECT_EQ(lock_transitions(dir_), std::vector<std::string>{"request 0"});
}

// A config broken after the start is refused on reload with the file's first problem, whole; the
// agent and the lock carry on.
TEST_P(FailMode, ABrokenConfigIsNotReloadedAndSaysWhy) {
  ASSERT_NO_FATAL_FAILURE(start_agent(""));
  std::ofstream(agent_->config_path(), std::ios::trunc) << "{\"hub\": \"mqtt\",\n\"connection\": {";
  const std::size_t from = agent_->process().line_count();
  agent_->process().signal(SIGHUP);
  ASSERT_TRUE(
      agent_->process().wait_for_output("SIGHUP: config not reloaded: " + agent_->config_path() +
                                            ": JSON: not valid JSON (near line 2",
                                        10s, from))
      << agent_->process().output();
  EXPECT_EQ(call("getDoorState", "").status, 200);
  EXPECT_EQ(lock_transitions(dir_), std::vector<std::string>{"request 0"});
}

TEST_P(FailMode, ATimedReleaseEndsWhileTheBrokerIsDown) {
  ASSERT_NO_FATAL_FAILURE(start_agent(""));
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"2s"})").status, 200);
  const std::size_t from = agent_->process().line_count();
  broker_.stop();
  ASSERT_TRUE(agent_->process().wait_for_output("door locked", 15s, from))
      << agent_->process().output();
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
}

TEST_P(FailMode, UnavailableHardwareAnswers503AndTheAgentStaysUp) {
  ASSERT_NO_FATAL_FAILURE(start_agent("", "unlocked", R"("failingLines":["LOCK"])"));
  const Response r = call("lockDoor", "");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("door hardware unavailable: fake gpio: line LOCK is unavailable"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(call("getDoorState", "").status, 503);
  EXPECT_TRUE(agent_->process().running());
}

INSTANTIATE_TEST_SUITE_P(Door, FailMode, ::testing::Values(Hub::mqtt), hub_name);

}  // namespace
}  // namespace door::test
