#include "agent/door_hardware.hpp"

#include <algorithm>
#include <cstring>

#include "hal/chardev.hpp"
#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::agent {

port::Status DoorHardware::fail(const char* why) {
  reason_ = why;
  port::log(port::Level::error, "door hardware unavailable: %s; door methods answer 503", why);
  return port::Status::failure(port::Status::Code::unavailable, "%s", why);
}

std::string DoorHardware::timed_state_path(const std::string& state_file) {
  return state_file + ".hold";
}

bool DoorHardware::timed_state_to_resume(hal::LockState& state, int64_t& remaining_ms) {
  if (timed_states_.path().empty()) return false;
  const port::Result<TimedStateFile::Saved> loaded = timed_states_.load();
  if (!loaded.is_ok()) return false;
  const TimedStateFile::Saved& saved = loaded.value();
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
  const port::Status cleared = timed_states_.clear();
  if (!cleared.is_ok()) {
    port::log(port::Level::error, "cannot clear %s: %s", timed_states_.path().c_str(),
              std::strerror(cleared.error_number()));
  }
  return false;
}

port::Status DoorHardware::start(hal::LockObserver& observer) {
  if (!settings_.configured) {
    return port::Status::failure(port::Status::Code::unavailable, "%s", reason_.c_str());
  }
  if (settings_.fake_gpio) {
    auto fake = std::make_unique<hal::FakeGpio>(
        hal::FakeGpioOptions{settings_.fake_transition_log, settings_.fake_failing_lines});
    fake_ = fake.get();
    backend_ = std::move(fake);
  } else {
    backend_ = std::make_unique<hal::ChardevBackend>(settings_.chip);
  }
  const hal::LockSettings& ls = settings_.lock_settings;
  hal::LockState resumed = ls.default_state;
  int64_t remaining_ms = 0;
  const bool resume = timed_state_to_resume(resumed, remaining_ms);
  // Requested at its level in the request itself: no glitch at start.
  port::Result<std::unique_ptr<hal::OutputLine>> lock =
      backend_->request_output(settings_.lock.spec, hal::LockActuator::level_for(ls, resumed));
  if (!lock.is_ok()) return fail(lock.status().reason());
  lock_ = std::move(lock).value();
  if (settings_.feedback.wired()) {
    port::Result<std::unique_ptr<hal::InputLine>> feedback =
        backend_->request_input(settings_.feedback.spec);
    if (!feedback.is_ok()) return fail(feedback.status().reason());
    feedback_ = std::move(feedback).value();
  }
  if (settings_.contact.wired()) {
    port::Result<std::unique_ptr<hal::InputLine>> contact =
        backend_->request_input(settings_.contact.spec);
    if (!contact.is_ok()) return fail(contact.status().reason());
    contact_ = std::move(contact).value();
  }
  if (fake_ != nullptr && feedback_ && settings_.fake_feedback_follows_lock &&
      !fake_->follow(settings_.feedback.spec.line, settings_.lock.spec.line, ls.energized_unlocks)
           .is_ok()) {
    // A lock whose feedback reports "locked" while the output holds it locked.
    return fail("fake gpio: the feedback line cannot follow the lock line");
  }
  actuator_ = std::make_unique<hal::LockActuator>(
      loop_, ls, *lock_, feedback_.get(), contact_.get(), observer,
      timed_states_.path().empty() ? nullptr : &timed_states_);
  if (!actuator_->start().is_ok()) {
    actuator_.reset();
    return fail("the event loop has no room for the lock's timers");
  }
  if (resume) actuator_->resume(resumed, remaining_ms);
  if (fake_ != nullptr && !settings_.fake_control.empty()) {
    fake_control_ = std::make_unique<hal::FakeControl>(loop_, *fake_, settings_.fake_control);
    const port::Status listening = fake_control_->start();
    if (!listening.is_ok()) {
      port::log(port::Level::warning, "fake gpio control unavailable: %s", listening.reason());
      fake_control_.reset();
    }
  }
  port::log(port::Level::info, "door hardware ready (%s): lock on %s, %s",
            settings_.fake_gpio ? "fake gpio" : settings_.chip.c_str(),
            settings_.lock.spec.line.c_str(), hal::to_string(actuator_->state()));
  return port::Status::ok();
}

void DoorHardware::shut_down() {
  if (actuator_) actuator_->shut_down();
}

}  // namespace door::agent
