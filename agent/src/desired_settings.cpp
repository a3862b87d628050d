#include "agent/desired_settings.hpp"

#include "agent/capacities.hpp"
#include "protocol/duration.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

using protocol::duration_from_number;
using protocol::parse_duration;

namespace {

bool whole_number(const cJSON* value, int64_t min, int64_t max, int64_t& out) {
  if (!cJSON_IsNumber(value)) return false;
  const double v = value->valuedouble;
  if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max))) return false;
  out = static_cast<int64_t>(v);
  return static_cast<double>(out) == v;
}

KeyCheck refuse(port::TextWriter& reason, std::string_view text) {
  reason.add(text);
  return KeyCheck::refused;
}

KeyCheck number_key(const cJSON* value, int64_t min, int64_t max, int64_t& field,
                    port::TextWriter& reason) {
  int64_t n = 0;
  if (!whole_number(value, min, max, n)) {
    reason.add("must be a whole number from ").add_int(min).add(" to ").add_int(max);
    return KeyCheck::refused;
  }
  field = n;
  return KeyCheck::accepted;
}

}  // namespace

KeyCheck check_desired_key(std::string_view key, const cJSON* value, const DeviceLimits& limits,
                           DesiredSettings& s, port::TextWriter& reason) {
  if (key == "building") return number_key(value, 0, 999999, s.building, reason);
  if (key == "floor") return number_key(value, -20, 999, s.floor, reason);
  if (key == "strikeTimeSeconds") return number_key(value, 1, 86400, s.strike_time_seconds, reason);
  if (key == "heldOpenSeconds") return number_key(value, 1, 86400, s.held_open_seconds, reason);
  if (key == "forcedOpenGraceSeconds") {
    return number_key(value, 0, 60, s.forced_open_grace_seconds, reason);
  }
  if (key == "eventJournalCapacity") {
    return number_key(value, kMinJournalEvents, kMaxJournalEvents, s.event_journal_capacity,
                      reason);
  }
  if (key == "telemetryIntervalSeconds") {
    return number_key(value, 0, 86400, s.telemetry_interval_seconds, reason);
  }
  if (key == "defaultLockTime") {
    port::Result<int64_t> seconds = port::Status::invalid();
    if (cJSON_IsNumber(value) && value->valuedouble == 0) {
      seconds = int64_t{0};  // until told otherwise
    } else if (cJSON_IsNumber(value)) {
      seconds = duration_from_number(value->valuedouble);
    }
    if (cJSON_IsString(value)) seconds = parse_duration(value->valuestring);
    if (!seconds.is_ok()) {
      return refuse(reason,
                    "must be a duration such as \\\"30s\\\", \\\"10m\\\", \\\"2h\\\", "
                    "whole seconds up to 7 days, or 0 for no limit");
    }
    s.default_lock_seconds = seconds.value();
    return KeyCheck::accepted;
  }
  if (key == "failMode") {
    const char* text = cJSON_IsString(value) ? value->valuestring : "";
    if (std::string_view(text) == "safe") {
      s.fail_mode = hal::FailMode::safe;
    } else if (std::string_view(text) == "secure") {
      if (!limits.energized_unlocks) {
        return refuse(reason, "this lock opens without power, so it cannot fail secure");
      }
      s.fail_mode = hal::FailMode::secure;
    } else {
      return refuse(reason, "must be \\\"secure\\\" or \\\"safe\\\"");
    }
    s.fail_mode_set = true;
    return KeyCheck::accepted;
  }
  if (key == "logLevel") {
    const port::Result<port::Level> level =
        cJSON_IsString(value) ? port::parse_log_level(value->valuestring) : port::Status::invalid();
    if (!level.is_ok()) return refuse(reason, "must be error, warning, notice, info or debug");
    s.log_level = level.value();
    s.log_level_set = true;
    return KeyCheck::accepted;
  }
  return KeyCheck::unknown;
}

bool reserved_reported_name(std::string_view key) {
  return protocol::device_reported_member(key);
}

}  // namespace door::agent
