// Door control end to end: the real door-agent on the fake GPIO, driven over a TLS broker the way a
// service drives it, in both dialects; the fake's transition log shows what the lock output did.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "door_fixture.hpp"
#include "port/clock.hpp"

namespace door::test {
namespace {

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
  EXPECT_NE(next_event().find(R"("event":"unlocked")"), std::string::npos);
  EXPECT_NE(next_event().find(R"("event":"locked")"), std::string::npos);
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

TEST_P(DoorControl, TheDoorContactsEventsAreReported) {
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"indefinite"})").status, 200);
  EXPECT_NE(next_event().find(R"("event":"unlocked")"), std::string::npos);
  command("set DOOR active");
  EXPECT_NE(next_event().find(R"("event":"opened","lock":"unlocked","door":"open")"),
            std::string::npos);
  command("set DOOR inactive");
  EXPECT_NE(next_event().find(R"("event":"closed")"), std::string::npos);
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
  EXPECT_NE(next_event().find(R"("event":"fault","lock":"fault")"), std::string::npos);
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
  reported_with(reported_door(R"("lock":"locked","door":"closed")"));
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
