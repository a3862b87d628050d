#pragma once
// The lock: drives the lock output, confirms with the optional feedback input within a timeout
// (else reports a fault and drives the fail-mode state), treats a failed write to the lock line as
// a fault (and tries the fail-mode state), and returns to the default state when a timed lock or
// release ends. Where a lock must not close on an open door (refuse_lock_when_open), a return to
// locked waits for the door to close, for close_wait_ms at most: then it locks anyway (the door
// standing open raises heldOpen). It feeds what the lines do to the door's alarms (DoorAlarms).
// A timed state is recorded in a store before it begins, so a restart can resume it.
// A move toward locked is never refused or delayed for want of storage: its record is retried
// with backoff while the lock has moved; only a timed release that cannot be recorded is refused.
// Its timers live in the event loop, so they keep working while the network is down.
#include <cstddef>
#include <cstdint>

#include "hal/door_alarms.hpp"
#include "hal/gpio.hpp"
#include "hal/timed_state_store.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "port/status.hpp"

namespace door::hal {

enum class DoorContact { closed, open, unknown };  // unknown: no door contact wired
// secure: stays locked when the agent stops or fails (fail-secure strike, most doors);
// safe: unlocked when the agent stops or fails (fire exits, maglocks that must release).
enum class FailMode { secure, safe };
enum class LockEvent { locked, unlocked, fault, opened, closed };
// write_failed: the lock line refused the write (the lock is in fault, see problem());
// not_stored: a release could not be recorded (or the timed lock it replaces forgotten); the lock
// did not move (see problem()). A lock is never not_stored: see record_problem().
enum class [[nodiscard]] CommandResult{done, pending, door_open, busy, write_failed, not_stored};

const char* to_string(LockState state);
const char* to_string(DoorContact contact);
const char* to_string(LockEvent event);
const char* to_string(FailMode mode);

struct LockSettings {
  bool energized_unlocks = true;  // a fail-secure strike releases while powered
  FailMode fail_mode = FailMode::secure;
  LockState default_state = LockState::locked;
  int feedback_timeout_ms = 1000;
  // For a lock that jams on an open door (a motorised bolt): lockDoor is refused while the contact
  // reads open, and a return to locked waits for "closed" for close_wait_ms at most.
  bool refuse_lock_when_open = false;
  int64_t close_wait_ms = 60000;
  // The alarms' times; their tamper time is feedback_timeout_ms.
  AlarmSettings alarms;
};

class LockObserver : public AlarmObserver {
 public:
  virtual void on_lock_event(LockEvent event) = 0;
  // A command that returned `pending` was confirmed by the feedback, or was not in time.
  virtual void on_command_finished(bool confirmed) = 0;
  // What the report shows changed without a lock event: the state is recorded again.
  virtual void on_report_changed() = 0;

 protected:
  ~LockObserver() = default;
};

class LockActuator {
 public:
  // feedback, door and timed_states may be null (not wired; timed states not kept). The output
  // must already be requested at the level of settings.default_state (see level_for()), or of the
  // state given to resume().
  LockActuator(port::EventLoop& loop, const LockSettings& settings, OutputLine& output,
               InputLine* feedback, InputLine* door, LockObserver& observer,
               TimedStateStore* timed_states = nullptr);
  ~LockActuator();
  LockActuator(const LockActuator&) = delete;
  LockActuator& operator=(const LockActuator&) = delete;

  // The output level (active = energized) that holds the given state.
  static bool level_for(const LockSettings& settings, LockState state);
  // What a stop or a fault leaves: locked (secure) or unlocked (safe).
  static LockState fail_mode_state(const LockSettings& settings);
  port::Status start();
  // After start(): a timed state recorded before a restart holds for remaining_ms more (the
  // output was requested at its level).
  void resume(LockState state, int64_t remaining_ms);

  // hold_ms < 0: stay until told otherwise; else return to the default state after hold_ms.
  [[nodiscard]] CommandResult lock(int64_t hold_ms);
  [[nodiscard]] CommandResult unlock(int64_t hold_ms);
  // A fail mode set through desired properties; the caller checked it suits the lock.
  void set_fail_mode(FailMode mode) { settings_.fail_mode = mode; }
  FailMode fail_mode() const { return settings_.fail_mode; }
  // Clean stop: drive the fail-mode state and cancel timers.
  void shut_down();

  LockState state() const { return state_; }
  DoorContact door() const { return door_; }
  bool confirming() const { return confirming_; }
  // Why the last command failed (write_failed, not_stored).
  const char* problem() const { return problem_; }
  // Why the lock is in fault (while state() is fault).
  const char* fault_reason() const { return fault_reason_; }
  // Milliseconds until a timed state ends, or -1.
  int64_t hold_remaining_ms() const;
  // Why the state the lock is in is not yet recorded for a restart (being retried), or null.
  const char* record_problem() const { return record_pending_ ? record_problem_ : nullptr; }
  const DoorAlarms& alarms() const { return alarms_; }
  // Alarm times set through desired properties (the tamper time stays the feedback timeout).
  void set_alarm_times(int64_t forced_open_grace_ms, int64_t held_open_ms);

 private:
  CommandResult command(LockState target, int64_t hold_ms);
  enum class OpenDoor { wait, lock_anyway };
  CommandResult drive(LockState target, int64_t hold_ms, OpenDoor open_door = OpenDoor::wait);
  bool held_back_by_open_door(LockState target) const;
  // Records the timed state about to begin (hold_ms >= 0), or forgets the one that is replaced:
  // true when stored. A lock's record that failed is retried with backoff; a release's is not
  // (the release is refused, see problem()).
  bool record_timed_state(LockState target, int64_t hold_ms);
  // The timed state has ended or cannot go on: forget it (retried with backoff on a failure).
  void forget_timed_state();
  // Stores wanted_record_ (or, when !wanted_timed_, nothing): true when it is stored, else
  // last_store_error_ says why.
  bool store_wanted_record();
  void retry_record_later();
  // The lock line refused a write while driving target: a fault.
  void write_failed(LockState target, const port::Status& why);
  // The feedback reads as confirming target; a feedback that cannot be read does not confirm.
  bool feedback_says(LockState target);
  void set_problem(const char* what, int error_number);
  void settle(LockState target);
  void on_hold_timer();
  void on_confirm_timer();
  void on_record_timer();
  void on_close_wait_timer();
  void on_feedback(uint32_t events);
  void on_door(uint32_t events);
  void read_door();
  FeedbackReading read_feedback();
  DoorView view();
  // After anything that may change an alarm's condition.
  void judge_alarms() { alarms_.update(view()); }

  port::EventLoop& loop_;
  LockSettings settings_;
  OutputLine& output_;
  InputLine* feedback_;
  InputLine* door_input_;
  LockObserver& observer_;
  DoorAlarms alarms_;
  TimedStateStore* timed_states_;
  bool timed_state_stored_ = false;  // a record may be in the store
  bool wanted_timed_ = false;        // what the store should hold: wanted_record_, or nothing
  TimedRecord wanted_record_;
  bool record_pending_ = false;  // the store does not hold what it should; retrying
  int64_t record_retry_ms_ = 0;
  int last_store_error_ = 0;
  static constexpr int64_t kFirstRecordRetryMs = 1000;
  static constexpr int64_t kMaxRecordRetryMs = 60000;
  LockState state_;
  LockState target_;
  DoorContact door_ = DoorContact::unknown;
  bool confirming_ = false;
  int64_t hold_deadline_ms_ = -1;
  // The longest problem is about 80 bytes of our words and an strerror() text.
  static constexpr std::size_t kProblemLength = 160;
  char problem_[kProblemLength] = "";
  char fault_reason_[kProblemLength] = "";
  char record_problem_[kProblemLength] = "";

  port::MemberTimer<LockActuator, &LockActuator::on_hold_timer> hold_handler_{*this};
  port::MemberTimer<LockActuator, &LockActuator::on_confirm_timer> confirm_handler_{*this};
  port::MemberTimer<LockActuator, &LockActuator::on_record_timer> record_handler_{*this};
  port::MemberTimer<LockActuator, &LockActuator::on_close_wait_timer> close_wait_handler_{*this};
  port::MemberFd<LockActuator, &LockActuator::on_feedback> feedback_handler_{*this};
  port::MemberFd<LockActuator, &LockActuator::on_door> door_handler_{*this};
  port::TimerId hold_timer_ = port::kNoTimer;
  port::TimerId confirm_timer_ = port::kNoTimer;
  port::TimerId record_timer_ = port::kNoTimer;
  port::TimerId close_wait_timer_ = port::kNoTimer;
};

}  // namespace door::hal
