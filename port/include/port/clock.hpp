#pragma once
#include <cstddef>
#include <cstdint>

#include "port/status.hpp"

namespace door::port {

// Milliseconds on CLOCK_MONOTONIC: for timers and durations, immune to wall-clock steps.
int64_t monotonic_ms();
// Seconds since the Unix epoch (wall clock): for SAS expiry and timestamps.
int64_t wall_seconds();
// Milliseconds since the Unix epoch (wall clock): for deadlines that must outlive the process.
int64_t wall_ms();
// True when the wall clock reads earlier than the build, i.e. it has obviously not been set yet.
bool wall_clock_unset();
// Writes "YYYY-MM-DDTHH:MM:SSZ" (20 bytes with NUL) for the given Unix time; too_large if it won't
// fit, invalid for a time the calendar cannot show.
Status format_utc(int64_t unix_seconds, char* out, std::size_t capacity);

}  // namespace door::port
