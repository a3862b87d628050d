#pragma once
// When jobs start: "now", "in 20s" (also 10m, 2h), or a date and time: "2026-11-23T22:00:00Z"
// (UTC) or "2026-11-23T22:00:00" / "2026-11-23 22:00" (local time). Recurrences: "every 20s" (also
// 10m, 2h), or "daily 22:00" in local time. Local time follows the time zone rules of the machine
// running the scheduler (the TZ environment variable, else /etc/localtime), daylight saving
// included.
#include <cstdint>
#include <string>

namespace door::scheduler {

// Unix seconds, or -1 with a reason. A date and time is taken exactly as written: one the calendar
// does not have (2026-02-30), one a daylight saving change skips, or one before 1970 is refused.
int64_t parse_start(const std::string& text, int64_t now, std::string& error);
// How far in the past a start may lie (the time it takes to type the command): an older one is
// refused rather than run at once, a door locked hours early being a safety matter.
constexpr int64_t kPastStartGraceSeconds = 60;
// The zone a start as written was read in, for messages: "UTC", or the local zone as at that time
// ("CET, UTC+0100").
std::string start_zone(const std::string& text, int64_t start);
// Checks a recurrence; false with a reason.
bool valid_recurrence(const std::string& recurrence, std::string& error);
// The first start of the recurrence after `after` (Unix seconds); `previous` anchors intervals.
int64_t next_start(const std::string& recurrence, int64_t previous, int64_t after);

}  // namespace door::scheduler
