// The lock's timed state across restarts: its file, and the start of the door hardware from it.
#include "agent/timed_state_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "agent/door_hardware.hpp"
#include "agent/timed_state_resume.hpp"
#include "port/atomic_file.hpp"
#include "port/clock.hpp"
#include "port/event_loop.hpp"
#include "port/file.hpp"

namespace door::agent {
namespace {

std::string fresh_path(const char* what) {
  // Unique per test: ctest runs the cases in parallel processes.
  const std::string path = ::testing::TempDir() + "timed-" + what + "-" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (const char* suffix : {"", ".prev", ".tmp"}) unlink((path + suffix).c_str());
  return path;
}

port::BootId boot(const char* id) {
  port::BootId out;
  std::snprintf(out.text, sizeof out.text, "%s", id);
  return out;
}

hal::TimedRecord record(hal::LockState state, int64_t from_now_ms, int64_t hold_ms) {
  return hal::TimedRecord{state, port::wall_ms() + from_now_ms, port::monotonic_ms() + from_now_ms,
                          hold_ms};
}

TEST(TimedStateFile, KeepsTheStateItsDeadlinesItsHoldAndItsBoot) {
  const std::string path = fresh_path("file");
  TimedStateFile file(path, "", boot("boot-a"));
  EXPECT_FALSE(file.load().is_ok());  // none yet
  ASSERT_TRUE(file.save({hal::LockState::locked, 1764400000123, 98765, 600000}).is_ok());
  port::Result<TimedStateFile::Saved> saved = file.load();
  ASSERT_TRUE(saved.is_ok());
  EXPECT_EQ(saved.value().record.state, hal::LockState::locked);
  EXPECT_EQ(saved.value().record.until_wall_ms, 1764400000123);
  EXPECT_EQ(saved.value().record.until_monotonic_ms, 98765);
  EXPECT_EQ(saved.value().record.hold_ms, 600000);
  EXPECT_TRUE(saved.value().same_boot);
  struct stat st {};
  ASSERT_EQ(stat(file.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The same file read in another boot.
  TimedStateFile rebooted(path, "", boot("boot-b"));
  saved = rebooted.load();
  ASSERT_TRUE(saved.is_ok());
  EXPECT_FALSE(saved.value().same_boot);
  ASSERT_TRUE(file.clear().is_ok());
  EXPECT_FALSE(file.load().is_ok());
  EXPECT_NE(access(path.c_str(), F_OK), 0);  // removed: that works on a full file system
}

TEST(TimedStateFile, ARecordWithoutABootIsFromAnotherBoot) {
  TimedStateFile file(fresh_path("old"), "", boot("boot-a"));
  ASSERT_TRUE(port::replace_file(file.path().c_str(), R"({"lock":"locked","untilMs":5,"holdMs":9})")
                  .is_ok());
  const port::Result<TimedStateFile::Saved> saved = file.load();
  ASSERT_TRUE(saved.is_ok());
  EXPECT_FALSE(saved.value().same_boot);
  EXPECT_EQ(saved.value().record.until_wall_ms, 5);
}

TEST(TimedStateFile, AMarkerThatNamesTheRecordVoidsIt) {
  const std::string marker = fresh_path("marker");
  TimedStateFile file(fresh_path("voided"), marker, boot("boot-a"));
  ASSERT_TRUE(file.save(record(hal::LockState::unlocked, 60000, 600000)).is_ok());
  const port::Result<std::string> text = port::read_small_file(file.path(), 256);
  ASSERT_TRUE(text.is_ok());
  ASSERT_TRUE(port::replace_file(marker.c_str(), "another record").is_ok());
  EXPECT_TRUE(file.load().is_ok());  // the marker names another record
  ASSERT_TRUE(port::replace_file(marker.c_str(), text.value()).is_ok());
  EXPECT_FALSE(file.load().is_ok());
  // A new record supersedes the marker.
  ASSERT_TRUE(file.save(record(hal::LockState::unlocked, 60000, 600000)).is_ok());
  EXPECT_NE(access(marker.c_str(), F_OK), 0);
  EXPECT_TRUE(file.load().is_ok());
}

TEST(TimedStateFile, AnythingElseIsIgnored) {
  TimedStateFile file(fresh_path("broken"), "", boot("boot-a"));
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
      R"({"lock":"locked","untilMs":1,"holdMs":1,"bootId":7})",
      R"({"lock":"locked","untilMs":1,"holdMs":1,"untilMonotonicMs":-3})",
  };
  for (const char* text : broken) {
    ASSERT_TRUE(port::replace_file(file.path().c_str(), text).is_ok());
    EXPECT_FALSE(file.load().is_ok()) << text;
  }
}

TEST(TimedStateFile, ASaveThatCannotBeWrittenFailsWithItsReason) {
  TimedStateFile file(::testing::TempDir() + "no-such-directory/desired.json.hold", "",
                      boot("boot-a"));
  const port::Status saved = file.save({hal::LockState::locked, 1, 1, 1});
  EXPECT_FALSE(saved.is_ok());
  EXPECT_EQ(saved.error_number(), ENOENT);
  EXPECT_EQ(std::string(saved.reason()), file.path() + ": No such file or directory");
  EXPECT_FALSE(file.clear().is_ok());
}

class NoObserver final : public hal::LockObserver {
 public:
  void on_lock_event(hal::LockEvent) override {}
  void on_command_finished(bool) override {}
  void on_report_changed() override {}
  void on_alarm(hal::Alarm, bool) override {}
};

// The door hardware on the fake GPIO, started from a recorded timed state.
class Resume : public ::testing::Test {
 protected:
  port::Status start(const DoorSettings& door) { return start(door, door.lock_settings.fail_mode); }
  port::Status start(const DoorSettings& door, hal::FailMode fail_mode) {
    hardware_ = std::make_unique<DoorHardware>(loop_, door, hold_);
    return hardware_->start(observer_, fail_mode);
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
  TimedStateFile file_{hold_, "", port::read_boot_id()};
  port::EventLoop loop_;
  NoObserver observer_;
  std::unique_ptr<DoorHardware> hardware_;
};

TEST_F(Resume, ATimedLockIsRequestedLockedForTheTimeLeft) {
  const DoorSettings door = unlocked_by_default();
  ASSERT_TRUE(file_.save(record(hal::LockState::locked, 60000, 600000)).is_ok());
  ASSERT_TRUE(start(door).is_ok());
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::locked);
  EXPECT_GT(hardware_->actuator()->hold_remaining_ms(), 50000);
  EXPECT_LE(hardware_->actuator()->hold_remaining_ms(), 60000);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 0"});  // locked from the start
}

TEST_F(Resume, NeverLongerThanTheHoldAskedFor) {
  ASSERT_TRUE(file_.save(record(hal::LockState::locked, 86400000, 30000)).is_ok());
  ASSERT_TRUE(start(unlocked_by_default()).is_ok());
  EXPECT_LE(hardware_->actuator()->hold_remaining_ms(), 30000);
}

TEST_F(Resume, InTheSameBootTheMonotonicClockDecides) {
  // The wall clock was set back (or forward) since: the monotonic deadline has passed.
  const DoorSettings door = unlocked_by_default();
  ASSERT_TRUE(file_
                  .save({hal::LockState::locked, port::wall_ms() + 600000, port::monotonic_ms() - 1,
                         600000})
                  .is_ok());
  ASSERT_TRUE(start(door).is_ok());
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::unlocked);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 1"});
}

TEST_F(Resume, AStateThatEndedWhileStoppedIsForgottenAndTheDefaultRequested) {
  const DoorSettings door = unlocked_by_default();
  ASSERT_TRUE(file_.save(record(hal::LockState::locked, -1, 600000)).is_ok());
  ASSERT_TRUE(start(door).is_ok());
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::unlocked);
  EXPECT_EQ(hardware_->actuator()->hold_remaining_ms(), -1);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 1"});
  EXPECT_FALSE(file_.load().is_ok());
}

TEST_F(Resume, AFailSecureDoorIsNotReleasedAtStart) {
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  ASSERT_TRUE(file_.save(record(hal::LockState::unlocked, 60000, 600000)).is_ok());
  ASSERT_TRUE(start(door).is_ok());
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::locked);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 0"});
}

TEST_F(Resume, TheFailModeInEffectDecidesNotTheConfiguredOne) {
  // Configured fail-safe, made fail-secure by a desired property: not released at start.
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  door.lock_settings.fail_mode = hal::FailMode::safe;
  ASSERT_TRUE(file_.save(record(hal::LockState::unlocked, 60000, 600000)).is_ok());
  ASSERT_TRUE(start(door, hal::FailMode::secure).is_ok());
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::locked);
  EXPECT_EQ(hardware_->actuator()->fail_mode(), hal::FailMode::secure);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 0"});
}

TEST_F(Resume, AFireExitResumesATimedRelease) {
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  door.lock_settings.fail_mode = hal::FailMode::safe;
  ASSERT_TRUE(file_.save(record(hal::LockState::unlocked, 60000, 600000)).is_ok());
  ASSERT_TRUE(start(door).is_ok());
  EXPECT_EQ(hardware_->actuator()->state(), hal::LockState::unlocked);
  EXPECT_EQ(lock_lines(door), std::vector<std::string>{"request 1"});
}

TEST_F(Resume, AnInputThatCannotBeHadLeavesTheOutputUntouched) {
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  door.lock_settings.fail_mode = hal::FailMode::safe;
  door.contact.spec.line = "DOOR";
  door.fake_failing_lines = {"DOOR"};
  ASSERT_TRUE(file_.save(record(hal::LockState::unlocked, 60000, 600000)).is_ok());
  EXPECT_FALSE(start(door).is_ok());
  EXPECT_TRUE(lock_lines(door).empty());  // never requested, so never held released
}

TEST_F(Resume, AFailureOnceTheOutputIsHeldLeavesTheFailModeState) {
  // A maglock on a fire exit resuming a timed lock, whose lock timers cannot be reserved.
  DoorSettings door = unlocked_by_default();
  door.lock_settings.default_state = hal::LockState::locked;
  door.lock_settings.fail_mode = hal::FailMode::safe;
  door.lock_settings.energized_unlocks = false;  // a maglock: locked while powered
  ASSERT_TRUE(file_.save(record(hal::LockState::locked, 60000, 600000)).is_ok());
  struct Idle final : port::TimerHandler {
    void on_timer() override {}
  } idle;
  while (loop_.add_timer(&idle).is_ok()) {
  }
  const port::Status started = start(door);
  ASSERT_FALSE(started.is_ok());
  EXPECT_STREQ(hardware_->unavailable_reason(),
               "the event loop has no room for the lock's timers; the lock was left unlocked "
               "(safe fail mode)");
  EXPECT_EQ(lock_lines(door), (std::vector<std::string>{"request 1", "set 0"}));
  EXPECT_FALSE(file_.load().is_ok());  // the timed lock is forgotten
}

// The decision alone, for the clocks a restart or a reboot can meet.
TEST(DecideResume, AfterARebootAReleaseResumesOnlyByASynchronisedClock) {
  TimedStateFile::Saved release;
  release.record = {hal::LockState::unlocked, 1000 + 60000, 5000, 600000};
  release.same_boot = false;
  const ClockReading unsynchronised{1000, 10, false};
  const ClockReading synchronised{1000, 10, true};
  EXPECT_FALSE(decide_resume(release, unsynchronised, hal::FailMode::safe).resume);
  const ResumeDecision resumed = decide_resume(release, synchronised, hal::FailMode::safe);
  EXPECT_TRUE(resumed.resume);
  EXPECT_EQ(resumed.remaining_ms, 60000);
  // A timed lock needs no trusted clock: never longer than its hold, whatever the clock says.
  TimedStateFile::Saved lock = release;
  lock.record.state = hal::LockState::locked;
  lock.record.until_wall_ms = INT64_C(1) << 50;
  const ResumeDecision locked = decide_resume(lock, unsynchronised, hal::FailMode::safe);
  EXPECT_TRUE(locked.resume);
  EXPECT_EQ(locked.remaining_ms, 600000);
}

TEST(DecideResume, InTheSameBootTheMonotonicDeadlineCountsAndTheWallClockDoesNot) {
  TimedStateFile::Saved release;
  release.record = {hal::LockState::unlocked, 1000 + 60000, 5000, 600000};
  release.same_boot = true;
  const ResumeDecision resumed =
      decide_resume(release, {INT64_C(1) << 45, 4000, false}, hal::FailMode::safe);
  EXPECT_TRUE(resumed.resume);
  EXPECT_EQ(resumed.remaining_ms, 1000);
  EXPECT_FALSE(decide_resume(release, {0, 5000, true}, hal::FailMode::safe).resume);
  EXPECT_FALSE(decide_resume(release, {0, 4000, true}, hal::FailMode::secure).resume);
}

}  // namespace
}  // namespace door::agent
