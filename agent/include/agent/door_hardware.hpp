#pragma once
// The door's hardware as the config describes it: the GPIO backend (character device or fake), the
// lock, feedback and door contact lines, the lock actuator with its timed-state file, and the
// fake's control FIFO.
#include <memory>
#include <string>

#include "agent/config.hpp"
#include "agent/timed_state_file.hpp"
#include "agent/timed_state_resume.hpp"
#include "hal/fake_control.hpp"
#include "hal/fake_gpio.hpp"
#include "hal/gpio.hpp"
#include "hal/lock_actuator.hpp"
#include "port/event_loop.hpp"
#include "port/status.hpp"

namespace door::agent {

class DoorHardware {
 public:
  // timed_state_path: where the lock's timed state is kept across restarts; empty for nowhere.
  // void_marker_path: where a record that cannot be removed is voided (see TimedStateFile).
  DoorHardware(port::EventLoop& loop, const DoorSettings& settings,
               std::string timed_state_path = "", std::string void_marker_path = "")
      : loop_(loop),
        settings_(settings),
        timed_states_(std::move(timed_state_path), std::move(void_marker_path),
                      port::read_boot_id()) {}

  // Requests the lines and starts the actuator with the fail mode in effect. The inputs come
  // first; the lock output is requested at the level of the timed state recorded before the last
  // stop, while it may resume (see resume_decision()), else of the default state: the line never
  // shows the other level on the way. Should anything fail once the output is held, the output is
  // driven to the fail-mode state and the timed state forgotten. Unavailable, with the reason
  // (which unavailable_reason() keeps), when the hardware is.
  port::Status start(hal::LockObserver& observer, hal::FailMode fail_mode);
  // The file of a state file's timed lock state: "<state file>.hold".
  static std::string timed_state_path(const std::string& state_file);
  // Its void marker in a runtime directory: "<runtime directory>/<state file name>.hold.void", or
  // "" without a runtime directory.
  static std::string void_marker_path(const std::string& runtime_directory,
                                      const std::string& state_file);
  hal::LockActuator* actuator() { return actuator_.get(); }
  // The simulated lines, when the config asks for them (scriptable from tests), else null.
  hal::FakeGpio* fake_gpio() { return fake_; }
  const char* unavailable_reason() const { return reason_.c_str(); }
  // Clean stop: the lock goes to its fail-mode state.
  void shut_down();

 private:
  port::Status fail(const char* why);
  // After the lock output was requested: the output goes to the fail-mode state, the timed state
  // is forgotten, and the hardware is unavailable for why.
  port::Status fail_holding_output(const hal::LockSettings& settings, const char* why);
  // The recorded timed state still to resume, or none.
  ResumeDecision timed_state_to_resume(hal::FailMode fail_mode);

  port::EventLoop& loop_;
  const DoorSettings& settings_;
  std::string reason_ = "no \"door\" section in the config";
  char reason_text_[256] = "";
  TimedStateFile timed_states_;
  std::unique_ptr<hal::GpioBackend> backend_;
  hal::FakeGpio* fake_ = nullptr;  // backend_, when it is the fake
  std::unique_ptr<hal::OutputLine> lock_;
  std::unique_ptr<hal::InputLine> feedback_;
  std::unique_ptr<hal::InputLine> contact_;
  std::unique_ptr<hal::LockActuator> actuator_;
  std::unique_ptr<hal::FakeControl> fake_control_;
};

}  // namespace door::agent
