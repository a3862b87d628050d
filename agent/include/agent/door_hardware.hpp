#pragma once
// The door's hardware as the config describes it: the GPIO backend (character device or fake), the
// lock, feedback and door contact lines, the lock actuator, and the fake's control FIFO.
#include <memory>
#include <string>

#include "agent/config.hpp"
#include "hal/fake_control.hpp"
#include "hal/fake_gpio.hpp"
#include "hal/gpio.hpp"
#include "hal/lock_actuator.hpp"
#include "port/event_loop.hpp"

namespace door::agent {

class DoorHardware {
 public:
  DoorHardware(port::EventLoop& loop, const DoorSettings& settings)
      : loop_(loop), settings_(settings) {}

  // Requests the lines (the lock output at its default state's level) and starts the actuator.
  // False when the hardware is unavailable; unavailable_reason() then says why.
  bool start(hal::LockObserver& observer);
  hal::LockActuator* actuator() { return actuator_.get(); }
  // The simulated lines, when the config asks for them (scriptable from tests), else null.
  hal::FakeGpio* fake_gpio() { return fake_; }
  const char* unavailable_reason() const { return reason_.c_str(); }
  // Clean stop: the lock goes to its fail-mode state.
  void shut_down();

 private:
  bool fail(const std::string& why);

  port::EventLoop& loop_;
  const DoorSettings& settings_;
  std::string reason_ = "no \"door\" section in the config";
  std::unique_ptr<hal::GpioBackend> backend_;
  hal::FakeGpio* fake_ = nullptr;  // backend_, when it is the fake
  std::unique_ptr<hal::OutputLine> lock_;
  std::unique_ptr<hal::InputLine> feedback_;
  std::unique_ptr<hal::InputLine> contact_;
  std::unique_ptr<hal::LockActuator> actuator_;
  std::unique_ptr<hal::FakeControl> fake_control_;
};

}  // namespace door::agent
