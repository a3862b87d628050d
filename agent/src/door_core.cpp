#include "agent/door_core.hpp"

namespace door::agent {

DoorCore::DoorCore(port::EventLoop& loop, const Dialect& dialect, const DoorSettings& door,
                   const std::string& state_file, const std::string& runtime_directory)
    : configured_fail_mode_(door.lock_settings.fail_mode),
      door_methods_(outbox_, door_snapshot_, door.strike_time_seconds,
                    dialect.reports_are_patches() ? StateForm::patch : StateForm::document),
      hardware_(loop, door, DoorHardware::timed_state_path(state_file),
                DoorHardware::void_marker_path(runtime_directory, state_file)),
      twin_(state_file, DeviceLimits{door.lock_settings.energized_unlocks}, outbox_),
      twin_sync_(loop, dialect, outbox_, twin_, door_snapshot_, events_snapshot_),
      messages_(dialect, methods_, outbox_, twin_sync_) {}

port::Status DoorCore::start() {
  const port::Status twin_started = twin_sync_.start();
  if (!twin_started.is_ok()) return twin_started;
  // The desired properties applied before the last stop come first: the fail mode in effect
  // decides what the lock may resume.
  twin_.load();
  const DesiredSettings& desired = twin_.settings();
  const hal::FailMode fail_mode = desired.fail_mode_set ? desired.fail_mode : configured_fail_mode_;
  // The door comes next: its lock holds its state whatever the network does. Hardware that is
  // unavailable is no reason to stop: the door methods answer 503 with its reason.
  if (hardware_.start(door_methods_, fail_mode).is_ok()) {
    door_methods_.attach(hardware_.actuator(), "");
  } else {
    door_methods_.attach(nullptr, hardware_.unavailable_reason());
  }
  return door_methods_.register_in(methods_);
}

void DoorCore::apply_door_settings(const DesiredSettings& s, const DoorSettings& configured) {
  if (hal::LockActuator* actuator = hardware_.actuator()) {
    const hal::LockSettings& lock = configured.lock_settings;
    actuator->set_fail_mode(s.fail_mode_set ? s.fail_mode : lock.fail_mode);
    actuator->set_alarm_times(
        s.forced_open_grace_seconds >= 0 ? s.forced_open_grace_seconds * 1000
                                         : lock.alarms.forced_open_grace_ms,
        s.held_open_seconds > 0 ? s.held_open_seconds * 1000 : lock.alarms.held_open_ms);
  }
  const int64_t strike_seconds =
      s.strike_time_seconds > 0 ? s.strike_time_seconds : configured.strike_time_seconds;
  door_methods_.set_defaults(s.default_lock_seconds, strike_seconds);
}

}  // namespace door::agent
