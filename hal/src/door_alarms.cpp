#include "hal/door_alarms.hpp"

#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::hal {

const char* to_string(Alarm alarm) {
  switch (alarm) {
    case Alarm::forced_open: return "forcedOpen";
    case Alarm::held_open: return "heldOpen";
    case Alarm::lock_tamper: return "lockTamper";
  }
  return "lockTamper";
}

port::Status DoorAlarms::start() {
  const port::Result<port::TimerId> held = loop_.add_timer(&held_open_handler_);
  if (!held.is_ok()) return held.status();
  held_open_timer_ = held.value();
  const port::Result<port::TimerId> tamper = loop_.add_timer(&tamper_handler_);
  if (!tamper.is_ok()) return tamper.status();
  tamper_timer_ = tamper.value();
  return port::Status::ok();
}

bool DoorAlarms::any_active() const {
  for (Alarm alarm : kAlarms) {
    if (active(alarm)) return true;
  }
  return false;
}

bool DoorAlarms::feedback_disagrees(const DoorView& view) {
  // Outside a command the output holds state; a feedback that cannot be read says nothing.
  switch (view.feedback) {
    case FeedbackReading::locked: return view.state == LockState::unlocked;
    case FeedbackReading::unlocked: return view.state == LockState::locked;
    case FeedbackReading::not_wired:
    case FeedbackReading::unreadable: return false;
  }
  return false;
}

bool DoorAlarms::open_unreleased(const DoorView& view) {
  return view.door_open && view.target != LockState::unlocked;
}

void DoorAlarms::door_opened(const DoorView& view) {
  const bool locked =
      view.state == LockState::locked && view.target == LockState::locked && !view.confirming;
  // Where feedback is wired, the bolt or strike must have said locked.
  const bool confirmed =
      view.feedback == FeedbackReading::not_wired || view.feedback == FeedbackReading::locked;
  const bool within_grace = release_ended_ms_ >= 0 && port::monotonic_ms() - release_ended_ms_ <=
                                                          settings_.forced_open_grace_ms;
  if (locked && confirmed && !within_grace) set(Alarm::forced_open, true);
  update(view);
}

void DoorAlarms::feedback_moved(const DoorView& view) {
  if (!view.confirming && view.state != LockState::fault && feedback_disagrees(view)) {
    set(Alarm::lock_tamper, true);  // the bolt or strike moved by itself
  }
  update(view);
}

void DoorAlarms::update(const DoorView& view) {
  if (!view.door_open) set(Alarm::forced_open, false);

  if (open_unreleased(view)) {
    if (!open_unreleased(last_) && !active(Alarm::held_open)) {
      loop_.arm_timer(held_open_timer_, settings_.held_open_ms);
    }
  } else {
    loop_.cancel_timer(held_open_timer_);
    set(Alarm::held_open, false);
  }

  if (!feedback_disagrees(view)) {
    loop_.cancel_timer(tamper_timer_);
    if (!view.confirming) set(Alarm::lock_tamper, false);
  } else if (view.confirming || view.state == LockState::fault) {
    loop_.cancel_timer(tamper_timer_);  // a command's own timeout judges the feedback
  } else if (!active(Alarm::lock_tamper) && !loop_.timer_armed(tamper_timer_)) {
    loop_.arm_timer(tamper_timer_, settings_.tamper_ms);
  }
  last_ = view;
}

void DoorAlarms::stop() {
  loop_.cancel_timer(held_open_timer_);
  loop_.cancel_timer(tamper_timer_);
  for (Alarm alarm : kAlarms) set(alarm, false);
}

void DoorAlarms::on_held_open_timer() {
  if (open_unreleased(last_)) set(Alarm::held_open, true);
}

void DoorAlarms::on_tamper_timer() {
  if (!last_.confirming && last_.state != LockState::fault && feedback_disagrees(last_)) {
    set(Alarm::lock_tamper, true);
  }
}

void DoorAlarms::set(Alarm alarm, bool active) {
  int64_t& since = since_ms_[index(alarm)];
  if ((since >= 0) == active) return;
  since = active ? port::wall_ms() : -1;
  port::log(active ? port::Level::warning : port::Level::notice, "alarm %s %s", to_string(alarm),
            active ? "raised" : "cleared");
  observer_.on_alarm(alarm, active);
}

}  // namespace door::hal
