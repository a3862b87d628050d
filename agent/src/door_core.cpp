#include "agent/door_core.hpp"

namespace door::agent {

DoorCore::DoorCore(port::EventLoop& loop, const Dialect& dialect, const DoorSettings& door,
                   const std::string& state_file)
    : hardware_(loop, door, DoorHardware::timed_state_path(state_file)),
      twin_(state_file, DeviceLimits{door.lock_settings.energized_unlocks}, outbox_),
      twin_sync_(loop, dialect, outbox_, twin_, door_snapshot_),
      messages_(dialect, methods_, outbox_, twin_sync_) {}

port::Status DoorCore::start() {
  const port::Status twin_started = twin_sync_.start();
  if (!twin_started.is_ok()) return twin_started;
  // The door comes first: its lock holds its state whatever the network does. Hardware that is
  // unavailable is no reason to stop: the door methods answer 503 with its reason.
  if (hardware_.start(door_methods_).is_ok()) {
    door_methods_.attach(hardware_.actuator(), "");
  } else {
    door_methods_.attach(nullptr, hardware_.unavailable_reason());
  }
  const port::Status registered = door_methods_.register_in(methods_);
  if (!registered.is_ok()) return registered;
  twin_.load();
  return port::Status::ok();
}

void DoorCore::apply_door_settings(const DesiredSettings& s, hal::FailMode configured_fail_mode) {
  if (hal::LockActuator* actuator = hardware_.actuator()) {
    actuator->set_fail_mode(s.fail_mode_set ? s.fail_mode : configured_fail_mode);
  }
  door_methods_.set_defaults(s.default_lock_seconds, s.auto_relock_seconds);
}

}  // namespace door::agent
