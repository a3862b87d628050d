#include "hal/lock_actuator.hpp"

#include <sys/epoll.h>

#include <cstdio>
#include <cstring>

#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::hal {

using port::Level;
using port::log;

const char* to_string(LockState state) {
  switch (state) {
    case LockState::locked: return "locked";
    case LockState::unlocked: return "unlocked";
    case LockState::fault: return "fault";
  }
  return "fault";
}

const char* to_string(DoorContact contact) {
  switch (contact) {
    case DoorContact::closed: return "closed";
    case DoorContact::open: return "open";
    case DoorContact::unknown: return "unknown";
  }
  return "unknown";
}

const char* to_string(FailMode mode) {
  return mode == FailMode::secure ? "secure" : "safe";
}

const char* to_string(LockEvent event) {
  switch (event) {
    case LockEvent::locked: return "locked";
    case LockEvent::unlocked: return "unlocked";
    case LockEvent::fault: return "fault";
    case LockEvent::opened: return "opened";
    case LockEvent::closed: return "closed";
  }
  return "fault";
}

LockState LockActuator::fail_mode_state() const {
  return settings_.fail_mode == FailMode::secure ? LockState::locked : LockState::unlocked;
}

bool LockActuator::level_for(const LockSettings& settings, LockState state) {
  const bool unlocked = state == LockState::unlocked;
  return settings.energized_unlocks ? unlocked : !unlocked;
}

LockActuator::LockActuator(port::EventLoop& loop, const LockSettings& settings, OutputLine& output,
                           InputLine* feedback, InputLine* door, LockObserver& observer,
                           TimedStateStore* timed_states)
    : loop_(loop),
      settings_(settings),
      output_(output),
      feedback_(feedback),
      door_input_(door),
      observer_(observer),
      timed_states_(timed_states),
      state_(settings.default_state),
      target_(settings.default_state) {}

LockActuator::~LockActuator() {
  if (feedback_ != nullptr) loop_.remove_fd(feedback_->event_fd(), &feedback_handler_);
  if (door_input_ != nullptr) loop_.remove_fd(door_input_->event_fd(), &door_handler_);
}

port::Status LockActuator::start() {
  const port::Result<port::TimerId> hold = loop_.add_timer(&hold_handler_);
  if (!hold.is_ok()) return hold.status();
  const port::Result<port::TimerId> confirm = loop_.add_timer(&confirm_handler_);
  if (!confirm.is_ok()) return confirm.status();
  hold_timer_ = hold.value();
  confirm_timer_ = confirm.value();
  if (feedback_ != nullptr) {
    const port::Status added = loop_.add_fd(feedback_->event_fd(), EPOLLIN, &feedback_handler_);
    if (!added.is_ok()) return added;
  }
  if (door_input_ != nullptr) {
    const port::Status added = loop_.add_fd(door_input_->event_fd(), EPOLLIN, &door_handler_);
    if (!added.is_ok()) return added;
    read_door();
  }
  return port::Status::ok();
}

void LockActuator::resume(LockState state, int64_t remaining_ms) {
  state_ = state;
  target_ = state;
  timed_state_stored_ = true;
  loop_.arm_timer(hold_timer_, remaining_ms);
  hold_deadline_ms_ = port::monotonic_ms() + remaining_ms;
  log(Level::notice, "door %s for %lld s more: the timed state from before the restart resumes",
      to_string(state), static_cast<long long>((remaining_ms + 999) / 1000));
}

int64_t LockActuator::hold_remaining_ms() const {
  if (hold_deadline_ms_ < 0) return -1;
  const int64_t left = hold_deadline_ms_ - port::monotonic_ms();
  return left < 0 ? 0 : left;
}

CommandResult LockActuator::lock(int64_t hold_ms) {
  return command(LockState::locked, hold_ms);
}
CommandResult LockActuator::unlock(int64_t hold_ms) {
  return command(LockState::unlocked, hold_ms);
}

CommandResult LockActuator::command(LockState target, int64_t hold_ms) {
  if (confirming_) return CommandResult::busy;
  if (target == LockState::locked && settings_.refuse_lock_when_open &&
      door_ == DoorContact::open) {
    return CommandResult::door_open;
  }
  // Recorded before the line moves: a restart at any instant finds the state it must resume.
  if (!record_timed_state(target, hold_ms).is_ok()) return CommandResult::not_stored;
  return drive(target, hold_ms);
}

port::Status LockActuator::record_timed_state(LockState target, int64_t hold_ms) {
  if (timed_states_ == nullptr) return port::Status::ok();
  if (hold_ms >= 0) {
    const port::Status saved = timed_states_->save(target, port::wall_ms() + hold_ms, hold_ms);
    if (!saved.is_ok()) {
      set_problem("cannot record the timed state for a restart", saved.error_number());
      return saved;
    }
    timed_state_stored_ = true;
    return port::Status::ok();
  }
  if (!timed_state_stored_) return port::Status::ok();
  const port::Status cleared = timed_states_->clear();
  if (!cleared.is_ok()) {
    set_problem("cannot forget the timed state it replaces", cleared.error_number());
    return cleared;
  }
  timed_state_stored_ = false;
  return port::Status::ok();
}

void LockActuator::forget_timed_state() {
  if (timed_states_ == nullptr || !timed_state_stored_) return;
  const port::Status cleared = timed_states_->clear();
  if (cleared.is_ok()) {
    timed_state_stored_ = false;
  } else {
    log(Level::error, "cannot forget the timed state that ended: %s",
        std::strerror(cleared.error_number()));
  }
}

void LockActuator::set_problem(const char* what, int error_number) {
  std::snprintf(problem_, sizeof problem_, "%s: %s", what, std::strerror(error_number));
}

void LockActuator::write_failed(LockState target, const port::Status& why) {
  set_problem("writing the lock line failed", why.error_number());
  std::memcpy(fault_reason_, problem_, sizeof fault_reason_);
  loop_.cancel_timer(hold_timer_);
  hold_deadline_ms_ = -1;
  forget_timed_state();
  const LockState fail_state = fail_mode_state();
  const port::Status driven = output_.set(level_for(settings_, fail_state));
  if (driven.is_ok()) {
    log(Level::error, "door fault: %s while driving %s; drove the %s state (%s fail mode)",
        problem_, to_string(target), to_string(fail_state), to_string(settings_.fail_mode));
  } else {
    log(Level::error, "door fault: %s while driving %s; the %s state (%s fail mode) failed too: %s",
        problem_, to_string(target), to_string(fail_state), to_string(settings_.fail_mode),
        std::strerror(driven.error_number()));
  }
  state_ = LockState::fault;
  target_ = fail_state;
  observer_.on_lock_event(LockEvent::fault);
}

CommandResult LockActuator::drive(LockState target, int64_t hold_ms) {
  if (confirming_) return CommandResult::busy;
  if (target == LockState::locked && settings_.refuse_lock_when_open &&
      door_ == DoorContact::open) {
    return CommandResult::door_open;
  }
  loop_.cancel_timer(hold_timer_);
  hold_deadline_ms_ = -1;
  const port::Status written = output_.set(level_for(settings_, target));
  if (!written.is_ok()) {
    write_failed(target, written);
    return CommandResult::write_failed;
  }
  if (hold_ms >= 0) {
    loop_.arm_timer(hold_timer_, hold_ms);
    hold_deadline_ms_ = port::monotonic_ms() + hold_ms;
  }
  target_ = target;
  if (feedback_ == nullptr || feedback_says(target)) {
    settle(target);
    return CommandResult::done;
  }
  confirming_ = true;
  loop_.arm_timer(confirm_timer_, settings_.feedback_timeout_ms);
  return CommandResult::pending;
}

void LockActuator::settle(LockState target) {
  const bool changed = state_ != target;
  state_ = target;
  if (changed) {
    log(Level::notice, "door %s", to_string(target));
    observer_.on_lock_event(target == LockState::locked ? LockEvent::locked : LockEvent::unlocked);
  }
}

void LockActuator::on_feedback(uint32_t) {
  feedback_->drain_events();
  if (!confirming_ || !feedback_says(target_)) return;
  confirming_ = false;
  loop_.cancel_timer(confirm_timer_);
  settle(target_);
  observer_.on_command_finished(true);
}

void LockActuator::on_confirm_timer() {
  if (!confirming_) return;
  confirming_ = false;
  const LockState fail_state = fail_mode_state();
  std::snprintf(fault_reason_, sizeof fault_reason_,
                "the lock feedback did not confirm %s within %d ms", to_string(target_),
                settings_.feedback_timeout_ms);
  log(Level::error, "door fault: %s; driving the %s state (%s fail mode)", fault_reason_,
      to_string(fail_state), to_string(settings_.fail_mode));
  loop_.cancel_timer(hold_timer_);
  hold_deadline_ms_ = -1;
  forget_timed_state();
  const port::Status driven = output_.set(level_for(settings_, fail_state));
  if (!driven.is_ok()) {
    log(Level::error, "door fault: driving the %s state failed too: %s", to_string(fail_state),
        std::strerror(driven.error_number()));
  }
  state_ = LockState::fault;
  observer_.on_lock_event(LockEvent::fault);
  observer_.on_command_finished(false);
}

void LockActuator::on_hold_timer() {
  hold_deadline_ms_ = -1;
  forget_timed_state();
  log(Level::info, "timed %s ended; returning to %s", to_string(target_),
      to_string(settings_.default_state));
  const CommandResult r = drive(settings_.default_state, -1);
  if (r == CommandResult::busy) {
    loop_.arm_timer(hold_timer_, settings_.feedback_timeout_ms);  // after the pending command
  } else if (r == CommandResult::door_open) {
    log(Level::warning, "cannot return to locked: the door is open; locking when it closes");
    target_ = LockState::locked;
  }
}

void LockActuator::on_door(uint32_t) {
  door_input_->drain_events();
  const DoorContact before = door_;
  read_door();
  if (door_ == before) return;
  log(Level::info, "door %s", door_ == DoorContact::open ? "opened" : "closed");
  observer_.on_lock_event(door_ == DoorContact::open ? LockEvent::opened : LockEvent::closed);
  // A return to locked that the open door held back happens as soon as it closes.
  if (door_ == DoorContact::closed && target_ == LockState::locked &&
      state_ == LockState::unlocked && hold_deadline_ms_ < 0) {
    const CommandResult r = drive(LockState::locked, -1);
    if (r != CommandResult::done && r != CommandResult::pending) {
      log(Level::warning, "the door closed but could not be locked again: %s",
          r == CommandResult::write_failed ? problem_ : "the lock is busy");
    }
  }
}

void LockActuator::read_door() {
  const port::Result<bool> open = door_input_->read();
  door_ = !open.is_ok() ? DoorContact::unknown
                        : (open.value() ? DoorContact::open : DoorContact::closed);
}

bool LockActuator::feedback_says(LockState target) {
  const port::Result<bool> locked = feedback_->read();
  return locked.is_ok() && locked.value() == (target == LockState::locked);
}

void LockActuator::shut_down() {
  loop_.cancel_timer(hold_timer_);
  loop_.cancel_timer(confirm_timer_);
  confirming_ = false;
  hold_deadline_ms_ = -1;
  const LockState fail_state = fail_mode_state();
  // A timed state stays recorded: the next start resumes it.
  const port::Status driven = output_.set(level_for(settings_, fail_state));
  if (!driven.is_ok()) {
    log(Level::error, "stopping: the lock line refused the %s state (%s fail mode): %s",
        to_string(fail_state), to_string(settings_.fail_mode),
        std::strerror(driven.error_number()));
    state_ = LockState::fault;
    return;
  }
  log(Level::notice, "stopping: door left %s (%s fail mode)", to_string(fail_state),
      to_string(settings_.fail_mode));
  state_ = fail_state;
}

}  // namespace door::hal
