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
// True when the wall clock is known to be right: systemd-timesyncd has synchronised it
// (/run/systemd/timesync/synchronized) or the kernel says an NTP daemon keeps it (adjtimex).
// A board without a real-time clock boots with an old or 1970 time until then.
bool wall_clock_synchronized();
// This boot's id (/proc/sys/kernel/random/boot_id, 36 characters), or "" when it cannot be read.
struct BootId {
  char text[40] = "";
};
BootId read_boot_id();
// Writes "YYYY-MM-DDTHH:MM:SSZ" (20 bytes with NUL) for the given Unix time; too_large if it won't
// fit, invalid for a time the calendar cannot show.
Status format_utc(int64_t unix_seconds, char* out, std::size_t capacity);

}  // namespace door::port
