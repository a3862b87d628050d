#include "agent/door_hardware.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hal/chardev.hpp"
#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::agent {

bool DoorHardware::fail(const std::string& why) {
  reason_ = why;
  port::log(port::Level::error, "door hardware unavailable: %s; door methods answer 503",
            why.c_str());
  return false;
}

std::string DoorHardware::timed_state_path(const std::string& state_file) {
  return state_file + ".hold";
}

bool DoorHardware::timed_state_to_resume(hal::LockState& state, int64_t& remaining_ms) {
  if (timed_states_.path().empty()) return false;
  TimedStateFile::Saved saved;
  if (!timed_states_.load(saved)) return false;
  // Never more than the hold asked for: a wall clock not yet set at boot reads early.
  remaining_ms = std::min(saved.until_wall_ms - port::wall_ms(), saved.hold_ms);
  const bool releases_secure_door = saved.state == hal::LockState::unlocked &&
                                    settings_.lock_settings.fail_mode == hal::FailMode::secure;
  if (remaining_ms > 0 && !releases_secure_door) {
    state = saved.state;
    return true;
  }
  port::log(port::Level::notice, "the timed %s state recorded before the restart %s",
            hal::to_string(saved.state),
            remaining_ms > 0 ? "is not resumed: a fail-secure door is not released at start"
                             : "ended while the agent was stopped");
  if (!timed_states_.clear()) {
    port::log(port::Level::error, "cannot clear %s: %s", timed_states_.path().c_str(),
              std::strerror(errno));
  }
  return false;
}

bool DoorHardware::start(hal::LockObserver& observer) {
  if (!settings_.configured) return false;
  if (settings_.fake_gpio) {
    auto fake = std::make_unique<hal::FakeGpio>(
        hal::FakeGpioOptions{settings_.fake_transition_log, settings_.fake_failing_lines});
    fake_ = fake.get();
    backend_ = std::move(fake);
  } else {
    backend_ = std::make_unique<hal::ChardevBackend>(settings_.chip);
  }
  const hal::LockSettings& ls = settings_.lock_settings;
  std::string error;
  hal::LockState resumed = ls.default_state;
  int64_t remaining_ms = 0;
  const bool resume = timed_state_to_resume(resumed, remaining_ms);
  // Requested at its level in the request itself: no glitch at start.
  lock_ = backend_->request_output(settings_.lock.spec, hal::LockActuator::level_for(ls, resumed),
                                   error);
  if (!lock_) return fail(error);
  if (settings_.feedback.wired() &&
      !(feedback_ = backend_->request_input(settings_.feedback.spec, error))) {
    return fail(error);
  }
  if (settings_.contact.wired() &&
      !(contact_ = backend_->request_input(settings_.contact.spec, error))) {
    return fail(error);
  }
  if (fake_ != nullptr && feedback_ && settings_.fake_feedback_follows_lock &&
      !fake_->follow(settings_.feedback.spec.line, settings_.lock.spec.line,
                     ls.energized_unlocks)) {
    // A lock whose feedback reports "locked" while the output holds it locked.
    return fail("fake gpio: the feedback line cannot follow the lock line");
  }
  actuator_ = std::make_unique<hal::LockActuator>(
      loop_, ls, *lock_, feedback_.get(), contact_.get(), observer,
      timed_states_.path().empty() ? nullptr : &timed_states_);
  if (!actuator_->start()) {
    actuator_.reset();
    return fail("the event loop has no room for the lock's timers");
  }
  if (resume) actuator_->resume(resumed, remaining_ms);
  if (fake_ != nullptr && !settings_.fake_control.empty()) {
    fake_control_ = std::make_unique<hal::FakeControl>(loop_, *fake_, settings_.fake_control);
    if (!fake_control_->start(error)) {
      port::log(port::Level::warning, "fake gpio control unavailable: %s", error.c_str());
      fake_control_.reset();
    }
  }
  port::log(port::Level::info, "door hardware ready (%s): lock on %s, %s",
            settings_.fake_gpio ? "fake gpio" : settings_.chip.c_str(),
            settings_.lock.spec.line.c_str(), hal::to_string(actuator_->state()));
  return true;
}

void DoorHardware::shut_down() {
  if (actuator_) actuator_->shut_down();
}

}  // namespace door::agent
