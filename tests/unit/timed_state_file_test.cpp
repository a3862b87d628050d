// The lock's timed state across restarts: its file, and the start of the door hardware from it.
#include "agent/timed_state_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "agent/door_hardware.hpp"
#include "port/atomic_file.hpp"
#include "port/clock.hpp"
#include "port/event_loop.hpp"

namespace door::agent {
namespace {

std::string fresh_path(const char* what) {
  // Unique per test: ctest runs the cases in parallel processes.
  const std::string path = ::testing::TempDir() + "timed-" + what + "-" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (const char* suffix : {"", ".prev", ".tmp"}) unlink((path + suffix).c_str());
  return path;
}

TEST(TimedStateFile, KeepsTheStateItsDeadlineAndItsHold) {
  TimedStateFile file(fresh_path("file"));
  EXPECT_FALSE(file.load().is_ok());  // none yet
  ASSERT_TRUE(file.save(hal::LockState::locked, 1764400000123, 600000).is_ok());
  port::Result<TimedStateFile::Saved> saved = file.load();
  ASSERT_TRUE(saved.is_ok());
  EXPECT_EQ(saved.value().state, hal::LockState::locked);
  EXPECT_EQ(saved.value().until_wall_ms, 1764400000123);
  EXPECT_EQ(saved.value().hold_ms, 600000);
  struct stat st {};
  ASSERT_EQ(stat(file.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(file.save(hal::LockState::unlocked, 5, 1000).is_ok());
  saved = file.load();
  ASSERT_TRUE(saved.is_ok());
  EXPECT_EQ(saved.value().state, hal::LockState::unlocked);
  ASSERT_TRUE(file.clear().is_ok());
  EXPECT_FALSE(file.load().is_ok());
}

TEST(TimedStateFile, AnythingElseIsIgnored) {
  TimedStateFile file(fresh_path("broken"));
  const char* broken[] = {
      "",
      "not json",
      "[]",
      R"({"lock":"open","untilMs":1,"holdMs":1})",
      R"({"lock":"fault","untilMs":1,"holdMs":1})",
      R"({"lock":"locked","untilMs":-1,"holdMs":1})",
      R"({"lock":"locked","untilMs":1.5,"holdMs":1})",
      R"({"lock":"locked","untilMs":1,"holdMs":604800001})",
      R"({"lock":"locked","untilMs":"1","holdMs":1})",
      R"({"lock":"locked","holdMs":1})",
      R"({"lock":"locked","untilMs":1,"holdMs":1} trailing)",
  };
  for (const char* text : broken) {
    ASSERT_TRUE(port::replace_file(file.path().c_str(), text).is_ok());
    EXPECT_FALSE(file.load().is_ok()) << text;
  }
}

TEST(TimedStateFile, ASaveThatCannotBeWrittenFailsWithItsReason) {
  TimedStateFile file(::testing::TempDir() + "no-such-directory/desired.json.hold");
  const port::Status saved = file.save(hal::LockState::locked, 1, 1);
  EXPECT_FALSE(saved.is_ok());
  EXPECT_EQ(saved.error_number(), ENOENT);
  EXPECT_EQ(std::string(saved.reason()), file.path() + ": No such file or directory");
  EXPECT_FALSE(file.clear().is_ok());
}

class NoObserver final : public hal::LockObserver {
 public:
  void on_lock_event(hal::LockEvent) override {}
  void on_command_finished(bool) override {}
};

// The door hardware on the fake GPIO, started from a recorded timed state.
class Resume : public ::testing::Test {
 protected:
  void start(const DoorSettings& door) {
    hardware_ = std::make_unique<DoorHardware>(loop_, door, hold_);
    ASSERT_TRUE(hardware_->start(observer_).is_ok());
  }
  static DoorSettings unlocked_by_default() {
    DoorSettings d;
    d.configured = true;
    d.fake_gpio = true;
    d.lock.spec.line = "LOCK";
    d.fake_transition_log = fresh_path("transitions");
    d.lock_settings.default_state = hal::LockState::unlocked;
    return d;
  }
  static std::vector<std::string> lock_lines(const DoorSettings& door) {
    std::ifstream in(door.fake_transition_log);
    std::vector<std::string> out;
    std::string stamp, line, what, level;
    while (in >> stamp >> line >> what >> level) out.push_back(what + " " + level);
    return out;
  }

  std::string hold_ = fresh_path("hold");
  TimedStateFile file_{hold_};
  port::EventLoop loop_;
  NoObserver observer_;
  std::unique_ptr<DoorHardware> hardware_;
};

TEST_F(Resume, ATimedLockIsRequestedLockedForTheTimeLeft) {
  const DoorSettings door = unlocked_by_default();
  ASSERT_TRUE(file_.save(hal::LockState::locked, port::wall_ms() + 60000, 600000).is_ok());
  start(door);
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::locked);
  EXPECT_GT(hardware_->actuator()->hold_remaining_ms(), 50000);
  EXPECT_LE(hardware_->actuator()->hold_remaining_ms(), 60000);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 0"});  // locked from the start
}

TEST_F(Resume, NeverLongerThanTheHoldAskedFor) {
  // A wall clock that reads early (not yet set at boot) must not stretch the hold.
  ASSERT_TRUE(file_.save(hal::LockState::locked, port::wall_ms() + 86400000, 30000).is_ok());
  start(unlocked_by_default());
  EXPECT_LE(hardware_->actuator()->hold_remaining_ms(), 30000);
}

TEST_F(Resume, AStateThatEndedWhileStoppedIsForgottenAndTheDefaultRequested) {
  const DoorSettings door = unlocked_by_default();
  ASSERT_TRUE(file_.save(hal::LockState::locked, port::wall_ms() - 1, 600000).is_ok());
  start(door);
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::unlocked);
  EXPECT_EQ(hardware_->actuator()->hold_remaining_ms(), -1);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 1"});
  EXPECT_FALSE(file_.load().is_ok());
}

TEST_F(Resume, AFailSecureDoorIsNotReleasedAtStart) {
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  ASSERT_TRUE(file_.save(hal::LockState::unlocked, port::wall_ms() + 60000, 600000).is_ok());
  start(door);
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::locked);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 0"});
}

TEST_F(Resume, AFireExitResumesATimedRelease) {
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  door.lock_settings.fail_mode = hal::FailMode::safe;
  ASSERT_TRUE(file_.save(hal::LockState::unlocked, port::wall_ms() + 60000, 600000).is_ok());
  start(door);
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::unlocked);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 1"});
}

}  // namespace
}  // namespace door::agent
