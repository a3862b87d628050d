#include "hal/lock_actuator.hpp"

#include <sys/epoll.h>

#include <algorithm>
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

LockState LockActuator::fail_mode_state(const LockSettings& settings) {
  return settings.fail_mode == FailMode::secure ? LockState::locked : LockState::unlocked;
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
      alarms_(loop, settings.alarms, observer),
      timed_states_(timed_states),
      state_(settings.default_state),
      target_(settings.default_state) {
  AlarmSettings alarms = settings.alarms;
  alarms.tamper_ms = settings.feedback_timeout_ms;
  alarms_.set_settings(alarms);
}

LockActuator::~LockActuator() {
  if (feedback_ != nullptr) loop_.remove_fd(feedback_->event_fd(), &feedback_handler_);
  if (door_input_ != nullptr) loop_.remove_fd(door_input_->event_fd(), &door_handler_);
}

port::Status LockActuator::start() {
  struct Slot {
    port::TimerHandler* handler;
    port::TimerId* id;
  };
  const Slot slots[] = {{&hold_handler_, &hold_timer_},
                        {&confirm_handler_, &confirm_timer_},
                        {&record_handler_, &record_timer_},
                        {&close_wait_handler_, &close_wait_timer_}};
  for (const Slot& slot : slots) {
    const port::Result<port::TimerId> reserved = loop_.add_timer(slot.handler);
    if (!reserved.is_ok()) return reserved.status();
    *slot.id = reserved.value();
  }
  const port::Status alarms_started = alarms_.start();
  if (!alarms_started.is_ok()) return alarms_started;
  if (feedback_ != nullptr) {
    const port::Status added = loop_.add_fd(feedback_->event_fd(), EPOLLIN, &feedback_handler_);
    if (!added.is_ok()) return added;
  }
  if (door_input_ != nullptr) {
    const port::Status added = loop_.add_fd(door_input_->event_fd(), EPOLLIN, &door_handler_);
    if (!added.is_ok()) return added;
    read_door();
  }
  judge_alarms();
  return port::Status::ok();
}

void LockActuator::set_alarm_times(int64_t forced_open_grace_ms, int64_t held_open_ms) {
  AlarmSettings alarms = alarms_.settings();
  alarms.forced_open_grace_ms = forced_open_grace_ms;
  alarms.held_open_ms = held_open_ms;
  alarms_.set_settings(alarms);
}

void LockActuator::resume(LockState state, int64_t remaining_ms) {
  state_ = state;
  target_ = state;
  timed_state_stored_ = true;
  wanted_timed_ = true;
  wanted_record_ = TimedRecord{state, port::wall_ms() + remaining_ms,
                               port::monotonic_ms() + remaining_ms, remaining_ms};
  loop_.arm_timer(hold_timer_, remaining_ms);
  hold_deadline_ms_ = port::monotonic_ms() + remaining_ms;
  log(Level::notice, "door %s for %lld s more: the timed state from before the restart resumes",
      to_string(state), static_cast<long long>((remaining_ms + 999) / 1000));
  judge_alarms();
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
  if (held_back_by_open_door(target)) return CommandResult::door_open;
  // Recorded before the line moves: a restart at any instant finds the state it must resume. Only
  // a release waits for its record; a lock goes ahead and its record is retried.
  if (!record_timed_state(target, hold_ms) && target == LockState::unlocked) {
    return CommandResult::not_stored;
  }
  const CommandResult result = drive(target, hold_ms);
  judge_alarms();
  return result;
}

bool LockActuator::held_back_by_open_door(LockState target) const {
  return target == LockState::locked && settings_.refuse_lock_when_open &&
         door_ == DoorContact::open;
}

bool LockActuator::record_timed_state(LockState target, int64_t hold_ms) {
  if (timed_states_ == nullptr) return true;
  const bool was_timed = wanted_timed_;
  const TimedRecord was = wanted_record_;
  wanted_timed_ = hold_ms >= 0;
  if (wanted_timed_) {
    wanted_record_ =
        TimedRecord{target, port::wall_ms() + hold_ms, port::monotonic_ms() + hold_ms, hold_ms};
  } else if (!timed_state_stored_ && !record_pending_) {
    return true;  // nothing recorded: nothing to forget
  }
  if (store_wanted_record()) return true;
  if (target == LockState::unlocked) {
    // The release is refused, so the store should go on holding what it held.
    wanted_timed_ = was_timed;
    wanted_record_ = was;
    set_problem(hold_ms >= 0 ? "cannot record the timed release for a restart"
                             : "cannot forget the timed lock it replaces",
                last_store_error_);
    return false;
  }
  // A timed lock that cannot be recorded must at least void the release it replaces: removing a
  // file works on a full file system, where writing one does not.
  if (wanted_timed_ && timed_state_stored_ && timed_states_->clear().is_ok()) {
    timed_state_stored_ = false;
  }
  retry_record_later();
  return false;
}

bool LockActuator::store_wanted_record() {
  const port::Status stored =
      wanted_timed_ ? timed_states_->save(wanted_record_) : timed_states_->clear();
  if (!stored.is_ok()) {
    last_store_error_ = stored.error_number();
    return false;
  }
  timed_state_stored_ = wanted_timed_;
  const bool was_pending = record_pending_;
  record_pending_ = false;
  record_retry_ms_ = 0;
  if (was_pending) {
    log(Level::notice, "the lock's state is recorded for a restart again");
    loop_.cancel_timer(record_timer_);
    observer_.on_report_changed();
  }
  return true;
}

void LockActuator::retry_record_later() {
  record_retry_ms_ = record_retry_ms_ == 0 ? kFirstRecordRetryMs
                                           : std::min(record_retry_ms_ * 2, kMaxRecordRetryMs);
  std::snprintf(record_problem_, sizeof record_problem_,
                "the state could not be saved for a restart: %s; retrying",
                std::strerror(last_store_error_));
  log(record_pending_ ? Level::info : Level::error, "lock %s: %s (in %lld s)", to_string(target_),
      record_problem_, static_cast<long long>(record_retry_ms_ / 1000));
  record_pending_ = true;
  loop_.arm_timer(record_timer_, record_retry_ms_);
}

void LockActuator::on_record_timer() {
  if (record_pending_ && !store_wanted_record()) retry_record_later();
}

void LockActuator::forget_timed_state() {
  if (timed_states_ == nullptr) return;
  wanted_timed_ = false;
  if (!timed_state_stored_ && !record_pending_) return;
  if (!store_wanted_record()) retry_record_later();
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
  const LockState fail_state = fail_mode_state(settings_);
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
  judge_alarms();
}

CommandResult LockActuator::drive(LockState target, int64_t hold_ms, OpenDoor open_door) {
  if (confirming_) return CommandResult::busy;
  if (open_door == OpenDoor::wait && held_back_by_open_door(target)) {
    return CommandResult::door_open;
  }
  loop_.cancel_timer(hold_timer_);
  loop_.cancel_timer(close_wait_timer_);
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
  if (changed && state_ == LockState::unlocked) alarms_.release_ended();
  state_ = target;
  if (changed) {
    log(Level::notice, "door %s", to_string(target));
    observer_.on_lock_event(target == LockState::locked ? LockEvent::locked : LockEvent::unlocked);
  }
}

void LockActuator::on_feedback(uint32_t) {
  feedback_->drain_events();
  if (!confirming_) {
    alarms_.feedback_moved(view());
    return;
  }
  if (!feedback_says(target_)) return;
  confirming_ = false;
  loop_.cancel_timer(confirm_timer_);
  settle(target_);
  judge_alarms();
  observer_.on_command_finished(true);
}

void LockActuator::on_confirm_timer() {
  if (!confirming_) return;
  confirming_ = false;
  const LockState fail_state = fail_mode_state(settings_);
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
  judge_alarms();
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
    log(Level::warning,
        "cannot return to locked: the door is open; locking when it closes, or in %lld s",
        static_cast<long long>(settings_.close_wait_ms / 1000));
    target_ = LockState::locked;
    alarms_.release_ended();
    loop_.arm_timer(close_wait_timer_, settings_.close_wait_ms);
  }
  judge_alarms();
}

void LockActuator::on_close_wait_timer() {
  const bool still_waiting = target_ == LockState::locked && state_ == LockState::unlocked &&
                             door_ == DoorContact::open && hold_deadline_ms_ < 0;
  if (!still_waiting) return;
  // A contact that reads open for ever (a cut wire reads open) must not keep the door unlocked.
  log(Level::warning, "the door stayed open %lld s after its release ended: locking it anyway",
      static_cast<long long>(settings_.close_wait_ms / 1000));
  const CommandResult r = drive(LockState::locked, -1, OpenDoor::lock_anyway);
  if (r == CommandResult::busy) loop_.arm_timer(close_wait_timer_, settings_.feedback_timeout_ms);
  judge_alarms();
}

void LockActuator::on_door(uint32_t) {
  door_input_->drain_events();
  const DoorContact before = door_;
  read_door();
  if (door_ == before) return;
  log(Level::info, "door %s", door_ == DoorContact::open ? "opened" : "closed");
  observer_.on_lock_event(door_ == DoorContact::open ? LockEvent::opened : LockEvent::closed);
  if (door_ == DoorContact::open) {
    alarms_.door_opened(view());
  } else {
    judge_alarms();
  }
  // A return to locked that the open door held back happens as soon as it closes.
  if (door_ == DoorContact::closed && target_ == LockState::locked &&
      state_ == LockState::unlocked && hold_deadline_ms_ < 0) {
    const CommandResult r = drive(LockState::locked, -1);
    if (r != CommandResult::done && r != CommandResult::pending) {
      log(Level::warning, "the door closed but could not be locked again: %s",
          r == CommandResult::write_failed ? problem_ : "the lock is busy");
    }
    judge_alarms();
  }
}

void LockActuator::read_door() {
  const port::Result<bool> open = door_input_->read();
  door_ = !open.is_ok() ? DoorContact::unknown
                        : (open.value() ? DoorContact::open : DoorContact::closed);
}

FeedbackReading LockActuator::read_feedback() {
  if (feedback_ == nullptr) return FeedbackReading::not_wired;
  const port::Result<bool> locked = feedback_->read();
  if (!locked.is_ok()) return FeedbackReading::unreadable;
  return locked.value() ? FeedbackReading::locked : FeedbackReading::unlocked;
}

DoorView LockActuator::view() {
  return DoorView{state_, target_, confirming_, door_ == DoorContact::open, read_feedback()};
}

bool LockActuator::feedback_says(LockState target) {
  const port::Result<bool> locked = feedback_->read();
  return locked.is_ok() && locked.value() == (target == LockState::locked);
}

void LockActuator::shut_down() {
  // The record of alarms ends with their clears: a restart judges the door afresh.
  alarms_.stop();
  loop_.cancel_timer(hold_timer_);
  loop_.cancel_timer(confirm_timer_);
  loop_.cancel_timer(close_wait_timer_);
  loop_.cancel_timer(record_timer_);
  if (record_pending_ && !store_wanted_record()) {
    log(Level::error, "stopping: %s", record_problem_);
  }
  confirming_ = false;
  hold_deadline_ms_ = -1;
  const LockState fail_state = fail_mode_state(settings_);
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
