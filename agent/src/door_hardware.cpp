#include "agent/door_hardware.hpp"

#include "hal/chardev.hpp"
#include "port/log.hpp"

namespace door::agent {

bool DoorHardware::fail(const std::string& why) {
  reason_ = why;
  port::log(port::Level::error, "door hardware unavailable: %s; door methods answer 503",
            why.c_str());
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
  // Requested at the default state's level in the request itself: no glitch at start.
  lock_ = backend_->request_output(settings_.lock.spec,
                                   hal::LockActuator::level_for(ls, ls.default_state), error);
  if (!lock_) return fail(error);
  if (settings_.feedback.wired() &&
      !(feedback_ = backend_->request_input(settings_.feedback.spec, error))) {
    return fail(error);
  }
  if (settings_.contact.wired() &&
      !(contact_ = backend_->request_input(settings_.contact.spec, error))) {
    return fail(error);
  }
  if (fake_ != nullptr && feedback_ && settings_.fake_feedback_follows_lock) {
    // A lock whose feedback reports "locked" while the output holds it locked.
    fake_->follow(settings_.feedback.spec.line, settings_.lock.spec.line, ls.energized_unlocks);
  }
  actuator_ = std::make_unique<hal::LockActuator>(loop_, ls, *lock_, feedback_.get(),
                                                  contact_.get(), observer);
  if (!actuator_->start()) {
    actuator_.reset();
    return fail("the event loop has no room for the lock's timers");
  }
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
