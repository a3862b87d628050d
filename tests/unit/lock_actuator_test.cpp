// The lock actuator on the fake GPIO and a real event loop.
#include "hal/lock_actuator.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hal/fake_control.hpp"
#include "hal/fake_gpio.hpp"
#include "port/clock.hpp"
#include "port/event_loop.hpp"

namespace door::hal {
namespace {

class Events final : public LockObserver {
 public:
  void on_lock_event(LockEvent event) override { events.push_back(to_string(event)); }
  void on_command_finished(bool confirmed) override { finished.push_back(confirmed); }
  void on_report_changed() override { ++report_changes; }
  void on_alarm(Alarm alarm, bool active) override {
    alarms.push_back(std::string(to_string(alarm)) + (active ? " raised" : " cleared"));
  }
  int report_changes = 0;
  std::vector<std::string> alarms;
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
    lock_ =
        gpio_->request_output({"LOCK"}, LockActuator::level_for(settings, settings.default_state))
            .value();
    if (feedback) {
      feedback_ = gpio_->request_input({"FEEDBACK"}).value();
      ASSERT_TRUE(gpio_->follow("FEEDBACK", "LOCK", settings.energized_unlocks).is_ok());
    }
    contact_ = gpio_->request_input({"DOOR"}).value();
    actuator_ = std::make_unique<LockActuator>(loop_, settings, *lock_, feedback_.get(),
                                               contact_.get(), events_, store_);
    ASSERT_TRUE(actuator_->start().is_ok());
  }

  void command(const std::string& text) {
    const port::Status done = gpio_->execute(text);
    ASSERT_TRUE(done.is_ok()) << done.reason();
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

TEST_F(Door, LocksAnOpenDoorByDefault) {
  // A strike or a maglock locks an open door harmlessly: it holds once the door closes.
  LockSettings settings;
  settings.default_state = LockState::unlocked;
  build(settings);
  command("set DOOR active");
  loop_.run_once(0);
  EXPECT_EQ(actuator_->lock(-1), CommandResult::done);
  EXPECT_FALSE(lock_->active());
}

TEST_F(Door, RefusesToLockAnOpenDoorWhenToldAndReportsTheContact) {
  LockSettings settings;
  settings.default_state = LockState::unlocked;
  settings.refuse_lock_when_open = true;
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

// A motorised bolt: it must not be thrown into an open door.
LockSettings motorised_bolt(int64_t close_wait_ms) {
  LockSettings bolt;
  bolt.refuse_lock_when_open = true;
  bolt.close_wait_ms = close_wait_ms;
  return bolt;
}

TEST_F(Door, AContactThatReadsOpenForEverDoesNotKeepTheDoorUnlocked) {
  // Its contact wire is cut: it reads open for ever.
  LockSettings bolt = motorised_bolt(40);
  bolt.alarms.held_open_ms = 10;
  build(bolt);
  EXPECT_EQ(actuator_->unlock(20), CommandResult::done);
  command("set DOOR active");
  while (actuator_->state() != LockState::locked) loop_.run_once(-1);
  EXPECT_FALSE(lock_->active());
  EXPECT_TRUE(actuator_->alarms().active(Alarm::held_open));  // raised while it waited
  EXPECT_EQ(events_.events, (std::vector<std::string>{"unlocked", "opened", "locked"}));
  command("set DOOR inactive");
  loop_.run_once(0);
  EXPECT_EQ(events_.alarms, (std::vector<std::string>{"heldOpen raised", "heldOpen cleared"}));
}

TEST_F(Door, ADoorThatClosesInTimeIsLockedAsItCloses) {
  build(motorised_bolt(600000));
  EXPECT_EQ(actuator_->unlock(20), CommandResult::done);
  command("set DOOR active");
  loop_.run_once(0);
  while (actuator_->hold_remaining_ms() >= 0) loop_.run_once(-1);
  EXPECT_EQ(actuator_->state(), LockState::unlocked);  // waiting for the door
  command("set DOOR inactive");
  loop_.run_once(0);
  EXPECT_EQ(actuator_->state(), LockState::locked);
  EXPECT_TRUE(events_.alarms.empty());
}

TEST_F(Door, ADoorOpenedWhileLockedIsForcedOpenUntilItCloses) {
  build(LockSettings{});
  command("set DOOR active");
  loop_.run_once(0);
  EXPECT_TRUE(actuator_->alarms().active(Alarm::forced_open));
  EXPECT_GT(actuator_->alarms().since_wall_ms(Alarm::forced_open), 0);
  command("set DOOR inactive");
  loop_.run_once(0);
  EXPECT_EQ(events_.alarms, (std::vector<std::string>{"forcedOpen raised", "forcedOpen cleared"}));
}

TEST_F(Door, AStopClearsTheActiveAlarms) {
  build(LockSettings{});
  command("set DOOR active");
  loop_.run_once(0);
  actuator_->shut_down();
  EXPECT_EQ(events_.alarms, (std::vector<std::string>{"forcedOpen raised", "forcedOpen cleared"}));
}

TEST_F(Door, ADoorOpenedDuringAReleaseOrItsLatchGraceIsNotForced) {
  LockSettings settings;
  settings.alarms.forced_open_grace_ms = 600000;
  build(settings);
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::done);
  command("set DOOR active");
  loop_.run_once(0);
  command("set DOOR inactive");
  loop_.run_once(0);
  EXPECT_EQ(actuator_->lock(-1), CommandResult::done);
  command("set DOOR active");  // pushed as the strike relocked: within the grace
  loop_.run_once(0);
  EXPECT_TRUE(events_.alarms.empty());
}

TEST_F(Door, ADoorLeftOpenAfterItsReleaseIsHeldOpenUntilItCloses) {
  LockSettings settings;
  settings.alarms.held_open_ms = 20;
  build(settings);
  EXPECT_EQ(actuator_->unlock(10), CommandResult::done);
  command("set DOOR active");
  loop_.run_once(0);
  while (!actuator_->alarms().active(Alarm::held_open)) loop_.run_once(-1);
  EXPECT_EQ(actuator_->state(), LockState::locked);  // a strike locks an open door
  command("set DOOR inactive");
  loop_.run_once(0);
  EXPECT_EQ(events_.alarms, (std::vector<std::string>{"heldOpen raised", "heldOpen cleared"}));
}

TEST_F(Door, AnOpenDoorIsNotHeldOpenWhileItsReleaseLasts) {
  LockSettings settings;
  settings.alarms.held_open_ms = 10;
  build(settings);
  EXPECT_EQ(actuator_->unlock(60), CommandResult::done);
  command("set DOOR active");
  loop_.run_once(0);
  while (actuator_->hold_remaining_ms() > 0) loop_.run_once(-1);
  EXPECT_TRUE(events_.alarms.empty());
  while (!actuator_->alarms().active(Alarm::held_open)) loop_.run_once(-1);
}

TEST_F(Door, AFeedbackThatMovesWithoutACommandIsTamper) {
  build(LockSettings{});
  command("set FEEDBACK inactive");  // the bolt withdrawn by hand
  loop_.run_once(0);
  EXPECT_TRUE(actuator_->alarms().active(Alarm::lock_tamper));
  EXPECT_EQ(actuator_->state(), LockState::locked);  // the output still holds it locked
  command("follow FEEDBACK");
  loop_.run_once(0);
  EXPECT_EQ(events_.alarms, (std::vector<std::string>{"lockTamper raised", "lockTamper cleared"}));
}

TEST_F(Door, AFeedbackThatDisagreesLongerThanItsTimeoutIsTamper) {
  LockSettings settings;
  settings.feedback_timeout_ms = 20;
  build(settings);
  command("stick FEEDBACK");
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::pending);
  while (actuator_->confirming()) loop_.run_once(-1);
  EXPECT_EQ(actuator_->state(), LockState::fault);  // the command's own timeout judged it
  EXPECT_TRUE(events_.alarms.empty());
}

TEST_F(Door, AFeedbackThatDisagreesAtStartIsTamperAfterItsTimeout) {
  LockSettings settings;
  settings.feedback_timeout_ms = 20;
  build(settings);
  command("set FEEDBACK inactive");
  loop_.run_once(0);
  command("follow FEEDBACK");
  loop_.run_once(0);
  events_.alarms.clear();
  // A fresh start with the bolt withdrawn: no edge, only the disagreement.
  actuator_.reset();
  command("set FEEDBACK inactive");
  actuator_ = std::make_unique<LockActuator>(loop_, settings, *lock_, feedback_.get(),
                                             contact_.get(), events_, store_);
  ASSERT_TRUE(actuator_->start().is_ok());
  EXPECT_FALSE(actuator_->alarms().active(Alarm::lock_tamper));
  while (!actuator_->alarms().active(Alarm::lock_tamper)) loop_.run_once(-1);
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
  ASSERT_TRUE(gpio_->set_failing("LOCK", true).is_ok());
  EXPECT_EQ(actuator_->lock(-1), CommandResult::write_failed);
  EXPECT_EQ(actuator_->state(), LockState::fault);
  ASSERT_TRUE(gpio_->set_failing("LOCK", false).is_ok());
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
  port::Status save(const TimedRecord& record) override {
    if (fail || fail_saves) {
      return port::Status::system_error(port::Status::Code::io_error, ENOSPC, "saving");
    }
    saved.push_back(std::string(to_string(record.state)) + " " + std::to_string(record.hold_ms));
    until = record.until_wall_ms;
    return port::Status::ok();
  }
  port::Status clear() override {
    if (fail) return port::Status::system_error(port::Status::Code::io_error, EROFS, "clearing");
    saved.push_back("clear");
    return port::Status::ok();
  }
  bool fail = false;        // a read-only file system
  bool fail_saves = false;  // a full one: removing still works
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

TEST_F(Door, AReleaseThatCannotBeRecordedIsRefusedAndTheLockDoesNotMove) {
  Store store;
  store_ = &store;
  build(LockSettings{});
  store.fail = true;
  EXPECT_EQ(actuator_->unlock(600000), CommandResult::not_stored);
  EXPECT_STREQ(actuator_->problem(),
               "cannot record the timed release for a restart: No space left on device");
  EXPECT_EQ(actuator_->state(), LockState::locked);
  EXPECT_FALSE(lock_->active());                    // still locked
  EXPECT_EQ(actuator_->record_problem(), nullptr);  // nothing to retry: the store is as it was
  store.fail = false;
  EXPECT_EQ(actuator_->lock(600000), CommandResult::done);
  store.fail = true;  // the timed lock cannot be forgotten: releasing may wait for storage
  EXPECT_EQ(actuator_->unlock(-1), CommandResult::not_stored);
  EXPECT_STREQ(actuator_->problem(),
               "cannot forget the timed lock it replaces: Read-only file system");
  EXPECT_EQ(actuator_->state(), LockState::locked);
}

TEST_F(Door, StorageNeverBlocksALock) {
  // A timed release, then the card turns read-only: the lock moves at once, and its record is
  // retried until it is stored.
  Store store;
  store_ = &store;
  build(LockSettings{}, false);
  EXPECT_EQ(actuator_->unlock(600000), CommandResult::done);
  store.fail = true;
  EXPECT_EQ(actuator_->lock(-1), CommandResult::done);
  EXPECT_FALSE(lock_->active());
  EXPECT_EQ(actuator_->state(), LockState::locked);
  ASSERT_NE(actuator_->record_problem(), nullptr);
  EXPECT_STREQ(actuator_->record_problem(),
               "the state could not be saved for a restart: Read-only file system; retrying");
  EXPECT_EQ(actuator_->lock(600000), CommandResult::done);  // a timed lock too
  store.fail = false;
  while (actuator_->record_problem() != nullptr) loop_.run_once(-1);
  EXPECT_EQ(store.saved, (std::vector<std::string>{"unlocked 600000", "locked 600000"}));
}

TEST_F(Door, ATimedLockOnAFullCardVoidsTheReleaseItReplaces) {
  Store store;
  store_ = &store;
  build(LockSettings{}, false);
  EXPECT_EQ(actuator_->unlock(600000), CommandResult::done);
  store.fail_saves = true;  // writing fails, removing works
  EXPECT_EQ(actuator_->lock(600000), CommandResult::done);
  EXPECT_FALSE(lock_->active());
  EXPECT_EQ(store.saved, (std::vector<std::string>{"unlocked 600000", "clear"}));
  EXPECT_NE(actuator_->record_problem(), nullptr);  // the timed lock itself is retried
  store.fail_saves = false;
  while (actuator_->record_problem() != nullptr) loop_.run_once(-1);
  EXPECT_EQ(store.saved.back(), "locked 600000");
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
  auto out = gpio.request_output({"LOCK"}, false);
  auto in = gpio.request_input({"DOOR"});
  ASSERT_TRUE(out.is_ok() && in.is_ok());
  ASSERT_TRUE(gpio.execute("fail LOCK\n").is_ok());
  ASSERT_TRUE(gpio.execute("fail DOOR").is_ok());
  const port::Status refused = out.value()->set(true);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error_number(), EIO);
  EXPECT_STREQ(refused.reason(), "writing the line: Input/output error");
  EXPECT_FALSE(out.value()->active());  // the old level stays
  const port::Result<bool> unread = in.value()->read();
  EXPECT_FALSE(unread.is_ok());
  EXPECT_EQ(unread.status().error_number(), EIO);
  ASSERT_TRUE(gpio.execute("repair LOCK").is_ok());
  ASSERT_TRUE(gpio.execute("repair DOOR").is_ok());
  EXPECT_TRUE(out.value()->set(true).is_ok());
  EXPECT_TRUE(in.value()->read().is_ok());
  const port::Status unknown = gpio.execute("fail NOPE");
  EXPECT_FALSE(unknown.is_ok());
  EXPECT_STREQ(unknown.reason(), "fake gpio: no line named 'NOPE'");
  EXPECT_FALSE(gpio.set_failing("NOPE", true).is_ok());
}

TEST(FakeGpio, RefusesUnknownCommandsAndSimulatesUnavailableLines) {
  FakeGpio gpio(FakeGpioOptions{"", {"GPIO17"}});
  const auto unavailable = gpio.request_output({"GPIO17"}, false);
  EXPECT_FALSE(unavailable.is_ok());
  EXPECT_STREQ(unavailable.status().reason(),
               "fake gpio: line GPIO17 is unavailable (simulated fault)");
  ASSERT_TRUE(gpio.request_input({"DOOR"}).is_ok());
  const auto twice = gpio.request_input({"DOOR"});
  EXPECT_FALSE(twice.is_ok());
  EXPECT_STREQ(twice.status().reason(),
               "fake gpio: line DOOR is already requested, or too many lines");
  const port::Status no_input = gpio.execute("set NOPE active");
  EXPECT_FALSE(no_input.is_ok());
  EXPECT_STREQ(no_input.reason(), "fake gpio: no input line named 'NOPE'");
  const port::Status unknown = gpio.execute("set DOOR ajar");
  EXPECT_FALSE(unknown.is_ok());
  EXPECT_NE(std::string(unknown.reason()).find("unknown command"), std::string::npos);
  EXPECT_FALSE(gpio.execute("follow DOOR").is_ok());  // follows nothing
}

TEST(FakeGpio, AFeedbackCanFollowOnlyAnOutputAndSaysSo) {
  FakeGpio gpio(FakeGpioOptions{"", {}});
  ASSERT_TRUE(gpio.request_output({"LOCK"}, false).is_ok());
  ASSERT_TRUE(gpio.request_input({"FEEDBACK"}).is_ok());
  EXPECT_TRUE(gpio.follow("FEEDBACK", "LOCK", false).is_ok());
  const port::Status backwards = gpio.follow("LOCK", "FEEDBACK", false);
  EXPECT_EQ(backwards, port::Status::invalid());
  EXPECT_STREQ(backwards.reason(),
               "fake gpio: LOCK cannot follow FEEDBACK (no such input or output)");
}

TEST(FakeControl, AFifoThatCannotBeMadeSaysWhereAndWhy) {
  port::EventLoop loop;
  FakeGpio gpio(FakeGpioOptions{"", {}});
  const std::string path = ::testing::TempDir() + "no-such-dir/fake-gpio";
  FakeControl control(loop, gpio, path);
  const port::Status started = control.start();
  EXPECT_EQ(started, port::Status::unavailable());
  EXPECT_EQ(started.error_number(), ENOENT);
  EXPECT_EQ(std::string(started.reason()), path + ": No such file or directory");
}

class Idle final : public port::TimerHandler {
 public:
  void on_timer() override {}
};

TEST(LockActuatorStart, WithoutAFreeTimerItFailsWithTheLoopsReason) {
  port::EventLoop loop;
  Idle idle;
  for (std::size_t i = 0; i < port::EventLoop::kMaxTimers; ++i) {
    ASSERT_TRUE(loop.add_timer(&idle).is_ok());
  }
  FakeGpio gpio(FakeGpioOptions{"", {}});
  auto lock = gpio.request_output({"LOCK"}, false);
  ASSERT_TRUE(lock.is_ok());
  Events events;
  LockActuator actuator(loop, LockSettings{}, *lock.value(), nullptr, nullptr, events);
  const port::Status started = actuator.start();
  EXPECT_EQ(started, port::Status::full());
  EXPECT_NE(std::string(started.reason()).find("timer slots are in use"), std::string::npos)
      << started.reason();
}

}  // namespace
}  // namespace door::hal
