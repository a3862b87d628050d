#pragma once
// The desired properties the agent understands, typed and range-checked. Other keys are kept as
// given (within limits) and acknowledged, but have no effect on the device.
#include <cjson/cJSON.h>

#include <cstdint>
#include <string_view>

#include "hal/lock_actuator.hpp"
#include "port/log.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

struct DesiredSettings {
  int64_t building = -1;             // -1: not set; reported only
  int64_t floor = INT64_MIN;         // INT64_MIN: not set; reported only
  int64_t default_lock_seconds = 0;  // lockDoor without lockTime: 0 = until told otherwise
  int64_t strike_time_seconds = 0;   // unlockDoor without unlockTime; 0: door.strikeTimeSeconds
  int64_t telemetry_interval_seconds = 0;  // periodic door state events; 0 = on change only
  int64_t held_open_seconds = 0;           // the heldOpen alarm's time; 0: door.heldOpenSeconds
  int64_t forced_open_grace_seconds = -1;  // -1: door.forcedOpenGraceSeconds
  int64_t event_journal_capacity = 0;      // events kept for sending; 0: eventJournalCapacity
  bool fail_mode_set = false;              // else the config's door.failMode applies
  hal::FailMode fail_mode = hal::FailMode::secure;
  bool log_level_set = false;  // else the config's logLevel applies
  port::Level log_level = port::Level::info;
};

// What the device can honour, for checks that depend on the hardware.
struct DeviceLimits {
  bool energized_unlocks = true;  // a "secure" fail mode needs a lock locked without power
};

enum class KeyCheck { unknown, accepted, refused };

// Members of the reported document the agent writes itself ("door", "agent", "eventJournal"): a
// desired key of that name could not be acknowledged without naming the member twice.
bool reserved_reported_name(std::string_view key);

// Checks one desired key. For a known key with an acceptable value, stores it in settings and
// returns accepted; with a bad value returns refused and writes the reason (JSON-safe text). Keys
// the agent does not know return unknown. Reserved names are the caller's to refuse.
KeyCheck check_desired_key(std::string_view key, const cJSON* value, const DeviceLimits& limits,
                           DesiredSettings& settings, port::TextWriter& reason);

}  // namespace door::agent
