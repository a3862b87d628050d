// The lock actuator on the fake GPIO and a real event loop.
#include "hal/lock_actuator.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hal/fake_gpio.hpp"
#include "port/clock.hpp"
#include "port/event_loop.hpp"

namespace door::hal {
namespace {

class Events final : public LockObserver {
 public:
  void on_lock_event(LockEvent event) override { events.push_back(to_string(event)); }
  void on_command_finished(bool confirmed) override { finished.push_back(confirmed); }
  std::vector<std::string> events;
  std::vector<bool> finished;
};

std::string log_path() {
  return ::testing::TempDir() + "lock-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line.substr(line.find(' ') + 1));  // no time
  return lines;
}

// A door with a lock output, a feedback input that follows it, and a door contact.
class Door : public ::testing::Test {
 protected:
  void build(LockSettings settings, bool feedback = true) {
    actuator_.reset();  // a test may build twice: tear down in reverse order
    contact_.reset();
    feedback_.reset();
    lock_.reset();
    gpio_.reset();
    std::remove(log_path().c_str());
    gpio_ = std::make_unique<FakeGpio>(FakeGpioOptions{log_path(), {}});
    std::string error;
    lock_ = gpio_->request_output({"LOCK"},
                                  LockActuator::level_for(settings, settings.default_state), error);
    if (feedback) {
      feedback_ = gpio_->request_input({"FEEDBACK"}, error);
      ASSERT_TRUE(gpio_->follow("FEEDBACK", "LOCK", settings.energized_unlocks));
    }
    contact_ = gpio_->request_input({"DOOR"}, error);
    actuator_ = std::make_unique<LockActuator>(loop_, settings, *lock_, feedback_.get(),
                                               contact_.get(), events_, store_);
    ASSERT_TRUE(actuator_->start());
  }

  void command(const std::string& text) {
    std::string error;
    ASSERT_TRUE(gpio_->execute(text, error)) << error;
  }

  port::EventLoop loop_;
  Events events_;
  TimedStateStore* store_ = nullptr;
  std::unique_ptr<FakeGpio> gpio_;
  std::unique_ptr<OutputLine> lock_;
  std::unique_ptr<InputLine> feedback_;
  std::unique_ptr<InputLine> contact_;
  std::unique_ptr<LockActuator> actuator_;
};

TEST_F(Door, StartsInTheDefaultStateWithoutAGlitch) {
  build(LockSettings{});
  EXPECT_EQ(actuator_->state(), LockState::locked);
  EXPECT_EQ(actuator_->door(), DoorContact::closed);
  // Fail-secure strike: released while energized, so locked = output inactive from the request on.
  EXPECT_EQ(read_lines(log_path()),
            (std::vector<std::string>{"LOCK request 0", "FEEDBACK request 0", "FEEDBACK follow 1",
                                      "DOOR request 0"}));
}

TEST_F(Door, LockAndUnlockDriveTheOutputAndReportEvents) {
  build(LockSettings{});
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);  // feedback confirms at once
  EXPECT_TRUE(lock_->active());
  EXPECT_EQ(actuator_->state(), LockState::unlocked);
  EXPECT_EQ(actuator_->lock(-1), CommandResult::done);
  EXPECT_FALSE(lock_->active());
  EXPECT_EQ(events_.events, (std::vector<std::string>{"unlocked", "locked"}));
}

TEST_F(Door, AMaglockIsLockedWhileEnergized) {
  LockSettings maglock;
  maglock.energized_unlocks = false;
  maglock.fail_mode = FailMode::safe;
  build(maglock);
  EXPECT_TRUE(lock_->active());  // locked by default: energized
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);
  EXPECT_FALSE(lock_->active());
}

TEST_F(Door, FeedbackThatNeverConfirmsIsAFaultAndTheFailStateIsDriven) {
  LockSettings settings;
  settings.feedback_timeout_ms = 20;
  build(settings);
  command("stick FEEDBACK");
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::pending);
  EXPECT_TRUE(actuator_->confirming());
  EXPECT_EQ(actuator_->lock(-1), CommandResult::busy);
  while (events_.finished.empty()) loop_.run_once(-1);
  EXPECT_EQ(events_.finished, std::vector<bool>{false});
  EXPECT_EQ(actuator_->state(), LockState::fault);
  EXPECT_STREQ(actuator_->fault_reason(),
               "the lock feedback did not confirm unlocked within 20 ms");
  EXPECT_FALSE(lock_->active());  // secure: locked
  EXPECT_EQ(events_.events, std::vector<std::string>{"fault"});
}

TEST_F(Door, LateButTimelyFeedbackConfirms) {
  LockSettings settings;
  settings.feedback_timeout_ms = 5000;
  build(settings);
  command("stick FEEDBACK");
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::pending);
  command("follow FEEDBACK");  // the bolt moved
  while (events_.finished.empty()) loop_.run_once(-1);
  EXPECT_EQ(events_.finished, std::vector<bool>{true});
  EXPECT_EQ(actuator_->state(), LockState::unlocked);
}

TEST_F(Door, RefusesToLockAnOpenDoorAndReportsTheContact) {
  LockSettings settings;
  settings.default_state = LockState::unlocked;
  build(settings);
  command("set DOOR active");
  loop_.run_once(0);
  EXPECT_EQ(actuator_->door(), DoorContact::open);
  EXPECT_EQ(actuator_->lock(-1), CommandResult::door_open);
  EXPECT_TRUE(lock_->active());  // still unlocked
  command("set DOOR inactive");
  loop_.run_once(0);
  EXPECT_EQ(events_.events, (std::vector<std::string>{"opened", "closed"}));
  EXPECT_EQ(actuator_->lock(-1), CommandResult::done);
}

TEST_F(Door, ATimedStateReturnsToTheDefault) {
  build(LockSettings{});
  EXPECT_EQ(actuator_->unlock(30), CommandResult::done);
  EXPECT_GE(actuator_->hold_remaining_ms(), 0);
  while (actuator_->state() != LockState::locked) loop_.run_once(-1);
  EXPECT_EQ(actuator_->hold_remaining_ms(), -1);
  EXPECT_EQ(events_.events, (std::vector<std::string>{"unlocked", "locked"}));
}

TEST_F(Door, ShutDownDrivesTheFailModeState) {
  LockSettings secure;
  build(secure, false);
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);
  actuator_->shut_down();
  EXPECT_FALSE(lock_->active());  // locked
  LockSettings safe;
  safe.fail_mode = FailMode::safe;
  build(safe, false);
  actuator_->shut_down();
  EXPECT_TRUE(lock_->active());  // unlocked: a fire exit opens
}

TEST_F(Door, AFailedWriteIsAFaultUntilAWriteSucceeds) {
  build(LockSettings{}, false);  // no feedback contact: nothing else would notice
  command("fail LOCK");
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::write_failed);
  EXPECT_EQ(actuator_->state(), LockState::fault);
  EXPECT_STREQ(actuator_->problem(), "writing the lock line failed: Input/output error");
  EXPECT_STREQ(actuator_->fault_reason(), actuator_->problem());
  EXPECT_EQ(events_.events, std::vector<std::string>{"fault"});
  EXPECT_EQ(actuator_->lock(-1), CommandResult::write_failed);  // still failing: still a fault
  EXPECT_EQ(actuator_->state(), LockState::fault);
  command("repair LOCK");
  EXPECT_EQ(actuator_->lock(-1), CommandResult::done);
  EXPECT_EQ(actuator_->state(), LockState::locked);
  EXPECT_EQ(events_.events, (std::vector<std::string>{"fault", "fault", "locked"}));
  // The release was refused, then the secure fail-mode state was tried, twice; then it locked.
  EXPECT_EQ(read_lines(log_path()),
            (std::vector<std::string>{"LOCK request 0", "DOOR request 0", "LOCK set-failed 1",
                                      "LOCK set-failed 0", "LOCK set-failed 0", "LOCK set-failed 0",
                                      "LOCK set 0"}));
}

TEST_F(Door, TheFailModeStateIsDrivenWhenOnlyTheCommandedWriteFails) {
  LockSettings safe;
  safe.fail_mode = FailMode::safe;  // a fire exit: unlocked on a fault
  build(safe, false);
  ASSERT_TRUE(gpio_->set_failing("LOCK", true));
  EXPECT_EQ(actuator_->lock(-1), CommandResult::write_failed);
  EXPECT_EQ(actuator_->state(), LockState::fault);
  ASSERT_TRUE(gpio_->set_failing("LOCK", false));
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);
  EXPECT_EQ(actuator_->state(), LockState::unlocked);
}

TEST_F(Door, AFailedWriteAtTheEndOfATimedStateIsAFault) {
  build(LockSettings{}, false);
  EXPECT_EQ(actuator_->unlock(30), CommandResult::done);
  command("fail LOCK");
  while (events_.events.size() < 2) loop_.run_once(-1);
  EXPECT_EQ(events_.events, (std::vector<std::string>{"unlocked", "fault"}));
  EXPECT_EQ(actuator_->state(), LockState::fault);
  EXPECT_EQ(actuator_->hold_remaining_ms(), -1);
}

TEST_F(Door, AFeedbackInputThatCannotBeReadIsNotAConfirmation) {
  LockSettings settings;
  settings.feedback_timeout_ms = 20;
  build(settings);
  command("fail FEEDBACK");
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::pending);
  while (events_.finished.empty()) loop_.run_once(-1);
  EXPECT_EQ(events_.finished, std::vector<bool>{false});
  EXPECT_EQ(actuator_->state(), LockState::fault);
}

// Records what the actuator stores; fails when told to.
class Store final : public TimedStateStore {
 public:
  bool save(LockState state, int64_t until_wall_ms, int64_t hold_ms) override {
    if (fail) {
      errno = ENOSPC;
      return false;
    }
    saved.push_back(std::string(to_string(state)) + " " + std::to_string(hold_ms));
    until = until_wall_ms;
    return true;
  }
  bool clear() override {
    if (fail) {
      errno = EROFS;
      return false;
    }
    saved.push_back("clear");
    return true;
  }
  bool fail = false;
  std::vector<std::string> saved;
  int64_t until = 0;
};

TEST_F(Door, ATimedStateIsRecordedBeforeItBeginsAndForgottenWhenItEnds) {
  Store store;
  store_ = &store;
  LockSettings settings;
  settings.default_state = LockState::unlocked;
  build(settings);
  const int64_t before = port::wall_ms();
  EXPECT_EQ(actuator_->lock(30), CommandResult::done);
  EXPECT_GE(store.until, before + 30);
  EXPECT_LE(store.until, port::wall_ms() + 30);
  while (actuator_->state() != LockState::unlocked) loop_.run_once(-1);
  EXPECT_EQ(actuator_->lock(600000), CommandResult::done);
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);  // replaces the timed lock
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);  // nothing recorded: nothing to forget
  EXPECT_EQ(store.saved,
            (std::vector<std::string>{"locked 30", "clear", "locked 600000", "clear"}));
}

TEST_F(Door, ATimedStateThatCannotBeRecordedIsRefusedAndTheLockDoesNotMove) {
  Store store;
  store_ = &store;
  LockSettings settings;
  settings.default_state = LockState::unlocked;
  build(settings);
  store.fail = true;
  EXPECT_EQ(actuator_->lock(600000), CommandResult::not_stored);
  EXPECT_STREQ(actuator_->problem(),
               "cannot record the timed state for a restart: No space left on device");
  EXPECT_EQ(actuator_->state(), LockState::unlocked);
  EXPECT_TRUE(lock_->active());  // still released
  store.fail = false;
  EXPECT_EQ(actuator_->lock(600000), CommandResult::done);
  store.fail = true;  // the timed lock cannot be forgotten: a restart would resume it
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::not_stored);
  EXPECT_STREQ(actuator_->problem(),
               "cannot forget the timed state it replaces: Read-only file system");
  EXPECT_EQ(actuator_->state(), LockState::locked);
}

TEST_F(Door, AResumedTimedStateReturnsToTheDefaultWhenItEnds) {
  Store store;
  store_ = &store;
  LockSettings settings;
  settings.default_state = LockState::unlocked;
  build(settings);
  actuator_->resume(LockState::locked, 30);
  EXPECT_EQ(actuator_->state(), LockState::locked);
  EXPECT_GE(actuator_->hold_remaining_ms(), 0);
  while (actuator_->hold_remaining_ms() >= 0) loop_.run_once(-1);
  EXPECT_EQ(actuator_->state(), LockState::unlocked);
  EXPECT_EQ(store.saved, std::vector<std::string>{"clear"});
}

TEST(FakeGpio, LinesFailTheirWritesAndReadsWhenTold) {
  FakeGpio gpio(FakeGpioOptions{"", {}});
  std::string error;
  auto out = gpio.request_output({"LOCK"}, false, error);
  auto in = gpio.request_input({"DOOR"}, error);
  ASSERT_TRUE(out && in) << error;
  ASSERT_TRUE(gpio.execute("fail LOCK\n", error)) << error;
  ASSERT_TRUE(gpio.execute("fail DOOR", error)) << error;
  errno = 0;
  EXPECT_FALSE(out->set(true));
  EXPECT_EQ(errno, EIO);
  EXPECT_FALSE(out->active());  // the old level stays
  bool level = false;
  EXPECT_FALSE(in->read(level));
  ASSERT_TRUE(gpio.execute("repair LOCK", error)) << error;
  ASSERT_TRUE(gpio.execute("repair DOOR", error)) << error;
  EXPECT_TRUE(out->set(true));
  EXPECT_TRUE(in->read(level));
  EXPECT_FALSE(gpio.execute("fail NOPE", error));
  EXPECT_EQ(error, "fake gpio: no line named 'NOPE'");
  EXPECT_FALSE(gpio.set_failing("NOPE", true));
}

TEST(FakeGpio, RefusesUnknownCommandsAndSimulatesUnavailableLines) {
  FakeGpio gpio(FakeGpioOptions{"", {"GPIO17"}});
  std::string error;
  EXPECT_FALSE(gpio.request_output({"GPIO17"}, false, error));
  EXPECT_NE(error.find("unavailable"), std::string::npos);
  ASSERT_TRUE(gpio.request_input({"DOOR"}, error));
  EXPECT_FALSE(gpio.execute("set NOPE active", error));
  EXPECT_EQ(error, "fake gpio: no input line named 'NOPE'");
  EXPECT_FALSE(gpio.execute("set DOOR ajar", error));
  EXPECT_NE(error.find("unknown command"), std::string::npos);
  EXPECT_FALSE(gpio.execute("follow DOOR", error));  // follows nothing
}

}  // namespace
}  // namespace door::hal
