#pragma once
// The lock: drives the lock output, confirms with the optional feedback input within a timeout
// (else reports a fault and drives the fail-mode state), refuses to lock while the door contact
// says open (configurable), and returns to the default state when a timed lock or release ends.
// Its timers live in the event loop, so they keep working while the network is down.
#include <cstdint>

#include "hal/gpio.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"

namespace door::hal {

enum class LockState { locked, unlocked, fault };
enum class DoorContact { closed, open, unknown };  // unknown: no door contact wired
// secure: stays locked when the agent stops or fails (fail-secure strike, most doors);
// safe: unlocked when the agent stops or fails (fire exits, maglocks that must release).
enum class FailMode { secure, safe };
enum class LockEvent { locked, unlocked, fault, opened, closed };
enum class CommandResult { done, pending, door_open, busy };

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
  // feedback and door may be null (not wired). The output must already be requested at the level
  // of settings.default_state (see initial_level()).
  LockActuator(port::EventLoop& loop, const LockSettings& settings, OutputLine& output,
               InputLine* feedback, InputLine* door, LockObserver& observer);
  ~LockActuator();
  LockActuator(const LockActuator&) = delete;
  LockActuator& operator=(const LockActuator&) = delete;

  // The output level (active = energized) that holds the given state.
  static bool level_for(const LockSettings& settings, LockState state);
  bool start();

  // hold_ms < 0: stay until told otherwise; else return to the default state after hold_ms.
  CommandResult lock(int64_t hold_ms);
  CommandResult unlock(int64_t hold_ms);
  // A fail mode set through desired properties; the caller checked it suits the lock.
  void set_fail_mode(FailMode mode) { settings_.fail_mode = mode; }
  // Clean stop: drive the fail-mode state and cancel timers.
  void shut_down();

  LockState state() const { return state_; }
  DoorContact door() const { return door_; }
  bool confirming() const { return confirming_; }
  // Milliseconds until a timed state ends, or -1.
  int64_t hold_remaining_ms() const;

 private:
  CommandResult drive(LockState target, int64_t hold_ms);
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
  LockState state_;
  LockState target_;
  DoorContact door_ = DoorContact::unknown;
  bool confirming_ = false;
  int64_t hold_deadline_ms_ = -1;

  port::MemberTimer<LockActuator, &LockActuator::on_hold_timer> hold_handler_{*this};
  port::MemberTimer<LockActuator, &LockActuator::on_confirm_timer> confirm_handler_{*this};
  port::MemberFd<LockActuator, &LockActuator::on_feedback> feedback_handler_{*this};
  port::MemberFd<LockActuator, &LockActuator::on_door> door_handler_{*this};
  port::TimerId hold_timer_ = port::kNoTimer;
  port::TimerId confirm_timer_ = port::kNoTimer;
};

}  // namespace door::hal
