// The door core built from its ports as the agent builds it (fake GPIO, a recording session), and
// the runtime's end of its outbox: what the door methods answer, the order answers and door events
// go out in, and that a hardware error is never answered as success.
#include "agent/door_core.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/output_publisher.hpp"
#include "core_test_support.hpp"
#include "port/event_fd.hpp"
#include "port/member_handler.hpp"

namespace door::agent {
namespace {

class DoorCoreTest : public ::testing::Test {
 protected:
  std::string state_path() const { return fresh_state_path("door-core-"); }

  void start() {
    ASSERT_TRUE(core_.start().is_ok());
    ASSERT_TRUE(events_.start("", 0).is_ok());  // no journal: events go out live
    events_.on_online();
    loop_.set_batch_end(&drain_handler_);
    drain();
  }
  void drain() { settings_changed_ |= outputs_.drain(core_); }

  void call(const std::string& method, const std::string& rid, const std::string& payload,
            RetainFlag retain = RetainFlag::clear) {
    const std::string topic = "devices/door-1/methods/POST/" + method + "/?$rid=" + rid;
    ASSERT_EQ(inbox_.push_message(topic, payload.data(), payload.size(), {}, retain),
              Inbox::Taken::copied);
    core_.handle(*inbox_.peek_message());
    inbox_.release_message();
    drain();
  }
  void gpio(const char* command) {
    const port::Status done = core_.hardware().fake_gpio()->execute(command);
    ASSERT_TRUE(done.is_ok()) << done.reason();
  }
  // The body of the last answer published, which must have the given status.
  std::string answer(int status) const {
    for (std::size_t i = session_.messages.size(); i-- > 0;) {
      const Published& m = session_.messages[i];
      if (m.topic.rfind("devices/door-1/methods/res/", 0) != 0) continue;
      EXPECT_EQ(m.topic.rfind("devices/door-1/methods/res/" + std::to_string(status), 0), 0u)
          << m.topic << " " << m.payload;
      return m.payload;
    }
    ADD_FAILURE() << "no answer";
    return {};
  }
  const hal::LockActuator& lock() { return *core_.hardware().actuator(); }
  std::vector<std::string> topics() const {
    std::vector<std::string> out;
    for (const Published& m : session_.messages) out.push_back(m.topic);
    return out;
  }

  ConnectionSettings settings_ = broker_device();
  std::unique_ptr<Dialect> dialect_ = make_dialect(settings_);
  DoorSettings door_ = fake_door();
  port::EventLoop loop_;
  RecordingSession session_;
  DoorCore core_{loop_, *dialect_, door_, state_path()};
  EventForwarder events_{loop_, *dialect_, session_};
  OutputPublisher outputs_{*dialect_, session_, events_};
  bool settings_changed_ = false;
  port::MemberTimer<DoorCoreTest, &DoorCoreTest::drain> drain_handler_{*this};
  port::EventFd wake_;
  Inbox inbox_{wake_};
};

TEST_F(DoorCoreTest, AnAnswerGoesOutBeforeTheDoorEventItCaused) {
  start();
  call("unlockDoor", "1", "{}");
  ASSERT_EQ(topics(), (std::vector<std::string>{"devices/door-1/methods/res/200/?$rid=1",
                                                "devices/door-1/messages/events/"}));
  EXPECT_NE(session_.messages[0].payload.find(R"("Response":"unlockDoor called successfully")"),
            std::string::npos);
  EXPECT_NE(session_.messages[1].payload.find(R"("event":"unlocked")"), std::string::npos);
}

TEST_F(DoorCoreTest, AnUnconfirmedCommandIsAnswered500WhenTheFeedbackTimesOut) {
  start();
  gpio("stick FEEDBACK");
  call("unlockDoor", "7", "{}");
  EXPECT_TRUE(session_.messages.empty());  // waiting for the feedback
  while (session_.messages.empty()) loop_.run_once(-1);
  EXPECT_EQ(session_.messages.front().topic, "devices/door-1/methods/res/500/?$rid=7");
  EXPECT_NE(session_.messages.front().payload.find("did not confirm unlocked in time"),
            std::string::npos);
  call("getDoorState", "8", "");  // the lock takes commands again
  EXPECT_EQ(session_.messages.back().topic.rfind("devices/door-1/methods/res/200/?$rid=8", 0), 0u);
}

TEST_F(DoorCoreTest, AFailedLockLineIsAnswered503NeverSuccess) {
  start();
  gpio("fail LOCK");
  call("unlockDoor", "2", "{}");
  ASSERT_FALSE(session_.messages.empty());
  EXPECT_EQ(session_.messages.front().topic, "devices/door-1/methods/res/503/?$rid=2");
}

TEST_F(DoorCoreTest, WithoutHardwareTheDoorMethodsAnswer503WithTheReason) {
  door_.configured = false;
  start();
  call("lockDoor", "3", "{}");
  ASSERT_EQ(session_.messages.size(), 1u);
  EXPECT_EQ(session_.messages[0].topic, "devices/door-1/methods/res/503/?$rid=3");
  EXPECT_NE(session_.messages[0].payload.find("door hardware unavailable"), std::string::npos);
}

TEST_F(DoorCoreTest, AnAnswerTheSessionRefusesDoesNotStopTheNextOne) {
  start();
  session_.accept = false;
  call("getDoorState", "1", "");
  call("getDoorState", "2", "");
  EXPECT_EQ(topics(), (std::vector<std::string>{"devices/door-1/methods/res/200/?$rid=1",
                                                "devices/door-1/methods/res/200/?$rid=2"}));
  EXPECT_TRUE(core_.outbox().empty());
}

TEST_F(DoorCoreTest, AnAppliedDesiredChangeTellsTheRuntimeTheSettingsChanged) {
  start();
  settings_changed_ = false;
  const std::string desired = R"({"$version":1,"defaultLockTime":"30s"})";
  ASSERT_EQ(inbox_.push_message("devices/door-1/twin/desired", desired.data(), desired.size()),
            Inbox::Taken::copied);
  core_.handle(*inbox_.peek_message());
  inbox_.release_message();
  drain();
  EXPECT_TRUE(settings_changed_);
  EXPECT_EQ(core_.twin().settings().default_lock_seconds, 30);
}

// The twin engine reads the door's state from the snapshot the door methods write: each report
// carries the lock's state and hold as they are when it is built.
TEST_F(DoorCoreTest, TheReportedDoorStateFollowsTheLockAndItsHold) {
  start();
  core_.twin_sync().on_subscribed();  // a broker: ready at once, a report follows
  const std::string reported = "devices/door-1/twin/reported";
  const auto next_report = [&]() -> std::string {
    for (;;) {
      for (std::size_t i = session_.messages.size(); i-- > 0;) {
        if (session_.messages[i].topic == reported) {
          std::string payload = session_.messages[i].payload;
          session_.messages.clear();
          return payload;
        }
      }
      loop_.run_once(-1);
    }
  };
  std::string report = next_report();
  EXPECT_NE(report.find(R"("door":{"lock":"locked")"), std::string::npos) << report;
  EXPECT_EQ(report.find(R"("until")"), std::string::npos) << report;

  call("unlockDoor", "1", "{}");  // a momentary release: it ends
  report = next_report();
  EXPECT_NE(report.find(R"("door":{"lock":"unlocked")"), std::string::npos) << report;
  EXPECT_NE(report.find(R"("until")"), std::string::npos) << report;

  call("unlockDoor", "2", R"({"unlockTime":"indefinite"})");
  report = next_report();
  EXPECT_NE(report.find(R"("door":{"lock":"unlocked","door":"closed","indefinite":true})"),
            std::string::npos)
      << report;

  call("lockDoor", "3", R"({"lockTime":"10m"})");
  report = next_report();
  EXPECT_NE(report.find(R"("door":{"lock":"locked")"), std::string::npos) << report;
  EXPECT_NE(report.find(R"("until")"), std::string::npos) << report;
  EXPECT_EQ(report.find(R"("indefinite")"), std::string::npos) << report;
}

// Without a time a release is momentary: the configured strike time, or the desired
// strikeTimeSeconds, which overrides it; then the lock relocks by itself.
TEST_F(DoorCoreTest, AnUnlockWithoutATimeReleasesForTheStrikeTime) {
  start();
  call("unlockDoor", "1", "");
  EXPECT_GT(lock().hold_remaining_ms(), 4000);  // the default: 5 s
  EXPECT_LE(lock().hold_remaining_ms(), 5000);
  door_.strike_time_seconds = 3600;
  core_.apply_door_settings(DesiredSettings{}, door_);
  call("unlockDoor", "2", "{}");
  EXPECT_GT(lock().hold_remaining_ms(), 3599000);
  DesiredSettings desired;
  desired.strike_time_seconds = 1;
  core_.apply_door_settings(desired, door_);
  call("unlockDoor", "3", "null");
  ASSERT_GT(lock().hold_remaining_ms(), 0);  // else the wait below would never end
  EXPECT_LE(lock().hold_remaining_ms(), 1000);
  const std::string body = answer(200);
  EXPECT_NE(body.find(R"("lock":"unlocked","door":"closed","until":")"), std::string::npos) << body;
  EXPECT_EQ(body.find("indefinite"), std::string::npos) << body;
  while (lock().state() != hal::LockState::locked) loop_.run_once(-1);
  EXPECT_NE(session_.messages.back().payload.find(R"({"event":"locked")"), std::string::npos);
}

TEST_F(DoorCoreTest, AnIndefiniteReleaseIsAskedForByNameReportedAndEndedByLockDoor) {
  start();
  call("unlockDoor", "1", R"({"unlockTime":"indefinite"})");
  ASSERT_EQ(topics(), (std::vector<std::string>{"devices/door-1/methods/res/200/?$rid=1",
                                                "devices/door-1/messages/events/"}));
  EXPECT_EQ(session_.messages[0].payload,
            R"({"Response":"unlockDoor called successfully","lock":"unlocked","door":"closed",)"
            R"("indefinite":true})");
  EXPECT_EQ(session_.messages[1].payload.rfind(
                R"({"event":"unlocked","lock":"unlocked","door":"closed","indefinite":true,)", 0),
            0u)
      << session_.messages[1].payload;
  EXPECT_EQ(lock().hold_remaining_ms(), -1);
  call("getDoorState", "2", "");
  EXPECT_EQ(answer(200), R"({"lock":"unlocked","door":"closed","indefinite":true})");

  call("unlockDoor", "3", R"({"unlockTime":"1h"})");  // a timed release replaces it
  EXPECT_EQ(answer(200).find("indefinite"), std::string::npos);
  call("unlockDoor", "4", R"({"unlockTime":"indefinite"})");
  call("lockDoor", "5", "");
  EXPECT_EQ(answer(200).find("indefinite"), std::string::npos);
  call("getDoorState", "6", "");
  EXPECT_EQ(answer(200), R"({"lock":"locked","door":"closed"})");
}

TEST_F(DoorCoreTest, IndefiniteIsForUnlockTimeOnlyAndOtherWordsAre400) {
  start();
  call("lockDoor", "1", R"({"lockTime":"indefinite"})");
  EXPECT_EQ(answer(400),
            R"({"message":"lockTime: use a duration such as \"30s\", \"10m\", \"2h\" or whole )"
            R"(seconds, from 1 second to 7 days"})");
  for (const char* word : {R"("forever")", R"("Indefinite")", R"("")", "true"}) {
    call("unlockDoor", "2", std::string(R"({"unlockTime":)") + word + "}");
    EXPECT_EQ(answer(400),
              R"({"message":"unlockTime: use a duration such as \"30s\", \"10m\", \"2h\" or )"
              R"(whole seconds, from 1 second to 7 days, or \"indefinite\""})")
        << word;
  }
  EXPECT_EQ(lock().state(), hal::LockState::locked);
}

// A retained request would come again at every connect: it is refused, and the lock stays.
TEST_F(DoorCoreTest, ARetainedUnlockDoorIsAnswered400AndTheLockDoesNotMove) {
  start();
  call("unlockDoor", "1", R"({"unlockTime":"indefinite"})", RetainFlag::set);
  ASSERT_EQ(topics(), std::vector<std::string>{"devices/door-1/methods/res/400/?$rid=1"});
  EXPECT_EQ(answer(400), R"({"message":"a retained method request is not executed"})");
  EXPECT_EQ(lock().state(), hal::LockState::locked);
}

}  // namespace
}  // namespace door::agent
