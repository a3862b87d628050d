#pragma once
// The lock: drives the lock output, confirms with the optional feedback input within a timeout
// (else reports a fault and drives the fail-mode state), treats a failed write to the lock line as
// a fault (and tries the fail-mode state), refuses to lock while the door contact says open
// (configurable), and returns to the default state when a timed lock or release ends. A timed
// state is recorded in a store before it begins, so a restart can resume it. Its timers live in
// the event loop, so they keep working while the network is down.
#include <cstddef>
#include <cstdint>

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
// not_stored: a timed state could not be recorded (or the last one forgotten); the lock did not
// move (see problem()).
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
  bool refuse_lock_when_open = true;
};

class LockObserver {
 public:
  virtual void on_lock_event(LockEvent event) = 0;
  // A command that returned `pending` was confirmed by the feedback, or was not in time.
  virtual void on_command_finished(bool confirmed) = 0;

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
  port::Status start();
  // After start(): a timed state recorded before a restart holds for remaining_ms more (the
  // output was requested at its level).
  void resume(LockState state, int64_t remaining_ms);

  // hold_ms < 0: stay until told otherwise; else return to the default state after hold_ms.
  [[nodiscard]] CommandResult lock(int64_t hold_ms);
  [[nodiscard]] CommandResult unlock(int64_t hold_ms);
  // A fail mode set through desired properties; the caller checked it suits the lock.
  void set_fail_mode(FailMode mode) { settings_.fail_mode = mode; }
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

 private:
  CommandResult command(LockState target, int64_t hold_ms);
  CommandResult drive(LockState target, int64_t hold_ms);
  // Records the timed state about to begin (hold_ms >= 0), or forgets the one that is replaced.
  port::Status record_timed_state(LockState target, int64_t hold_ms);
  // The timed state has ended or cannot go on: forget it, logging a failure.
  void forget_timed_state();
  // The lock line refused a write while driving target: a fault.
  void write_failed(LockState target, const port::Status& why);
  // The feedback reads as confirming target; a feedback that cannot be read does not confirm.
  bool feedback_says(LockState target);
  void set_problem(const char* what, int error_number);
  // What a stop or a fault leaves: locked (secure) or unlocked (safe).
  LockState fail_mode_state() const;
  void settle(LockState target);
  void on_hold_timer();
  void on_confirm_timer();
  void on_feedback(uint32_t events);
  void on_door(uint32_t events);
  void read_door();

  port::EventLoop& loop_;
  LockSettings settings_;
  OutputLine& output_;
  InputLine* feedback_;
  InputLine* door_input_;
  LockObserver& observer_;
  TimedStateStore* timed_states_;
  bool timed_state_stored_ = false;
  LockState state_;
  LockState target_;
  DoorContact door_ = DoorContact::unknown;
  bool confirming_ = false;
  int64_t hold_deadline_ms_ = -1;
  // The longest problem is about 80 bytes of our words and an strerror() text.
  static constexpr std::size_t kProblemLength = 160;
  char problem_[kProblemLength] = "";
  char fault_reason_[kProblemLength] = "";

  port::MemberTimer<LockActuator, &LockActuator::on_hold_timer> hold_handler_{*this};
  port::MemberTimer<LockActuator, &LockActuator::on_confirm_timer> confirm_handler_{*this};
  port::MemberFd<LockActuator, &LockActuator::on_feedback> feedback_handler_{*this};
  port::MemberFd<LockActuator, &LockActuator::on_door> door_handler_{*this};
  port::TimerId hold_timer_ = port::kNoTimer;
  port::TimerId confirm_timer_ = port::kNoTimer;
};

}  // namespace door::hal
