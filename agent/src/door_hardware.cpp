#include "agent/door_hardware.hpp"

#include <algorithm>
#include <cstdio>
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

std::string DoorHardware::void_marker_path(const std::string& runtime_directory,
                                           const std::string& state_file) {
  if (runtime_directory.empty()) return "";
  const std::size_t slash = state_file.rfind('/');
  return runtime_directory + "/" +
         (slash == std::string::npos ? state_file : state_file.substr(slash + 1)) + ".hold.void";
}

ResumeDecision DoorHardware::timed_state_to_resume(hal::FailMode fail_mode) {
  ResumeDecision none;
  if (timed_states_.path().empty()) return none;
  const port::Result<TimedStateFile::Saved> loaded = timed_states_.load();
  if (!loaded.is_ok()) return none;
  const ClockReading now{port::wall_ms(), port::monotonic_ms(), port::wall_clock_synchronized()};
  const ResumeDecision decision = decide_resume(loaded.value(), now, fail_mode);
  if (decision.resume) return decision;
  port::log(port::Level::notice, "the timed %s state recorded before the restart %s",
            hal::to_string(decision.state), decision.why_not);
  const port::Status cleared = timed_states_.clear();
  if (!cleared.is_ok()) {
    port::log(port::Level::error, "cannot clear %s: %s", timed_states_.path().c_str(),
              cleared.reason());
  }
  return decision;
}

port::Status DoorHardware::fail_holding_output(const hal::LockSettings& settings, const char* why) {
  const hal::LockState fail_state = hal::LockActuator::fail_mode_state(settings);
  const port::Status driven = lock_->set(hal::LockActuator::level_for(settings, fail_state));
  const port::Status cleared =
      timed_states_.path().empty() ? port::Status::ok() : timed_states_.clear();
  std::snprintf(reason_text_, sizeof reason_text_, "%s; the lock %s %s (%s fail mode)%s", why,
                driven.is_ok() ? "was left" : "could not be driven", hal::to_string(fail_state),
                hal::to_string(settings.fail_mode),
                cleared.is_ok() ? "" : "; the timed state could not be forgotten");
  return fail(reason_text_);
}

port::Status DoorHardware::start(hal::LockObserver& observer, hal::FailMode fail_mode) {
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
  hal::LockSettings ls = settings_.lock_settings;
  ls.fail_mode = fail_mode;
  // The inputs first: a line that cannot be had then leaves the output untouched.
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
  const ResumeDecision resume = timed_state_to_resume(fail_mode);
  const hal::LockState first = resume.resume ? resume.state : ls.default_state;
  // Requested at its level in the request itself: no glitch at start.
  port::Result<std::unique_ptr<hal::OutputLine>> lock =
      backend_->request_output(settings_.lock.spec, hal::LockActuator::level_for(ls, first));
  if (!lock.is_ok()) return fail(lock.status().reason());
  lock_ = std::move(lock).value();
  if (fake_ != nullptr && feedback_ && settings_.fake_feedback_follows_lock &&
      !fake_->follow(settings_.feedback.spec.line, settings_.lock.spec.line, ls.energized_unlocks)
           .is_ok()) {
    // A lock whose feedback reports "locked" while the output holds it locked.
    return fail_holding_output(ls, "fake gpio: the feedback line cannot follow the lock line");
  }
  actuator_ = std::make_unique<hal::LockActuator>(
      loop_, ls, *lock_, feedback_.get(), contact_.get(), observer,
      timed_states_.path().empty() ? nullptr : &timed_states_);
  if (!actuator_->start().is_ok()) {
    actuator_.reset();
    return fail_holding_output(ls, "the event loop has no room for the lock's timers");
  }
  if (resume.resume) actuator_->resume(resume.state, resume.remaining_ms);
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
