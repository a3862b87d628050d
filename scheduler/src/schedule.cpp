#include "scheduler/schedule.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>

#include "protocol/duration.hpp"

namespace door::scheduler {

namespace {

bool parse_hh_mm(const std::string& text, int& hour, int& minute) {
  char tail = 0;
  return std::sscanf(text.c_str(), "%2d:%2d%c", &hour, &minute, &tail) == 2 && hour >= 0 &&
         hour < 24 && minute >= 0 && minute < 60 && text.size() == 5;
}

bool same_day(const tm& a, const tm& b) {
  return a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday;
}

int64_t interval_of(const std::string& recurrence) {
  if (recurrence.rfind("every ", 0) != 0) return -1;
  const port::Result<int64_t> seconds = protocol::parse_duration(recurrence.substr(6));
  return seconds.is_ok() ? seconds.value() : -1;
}

}  // namespace

int64_t parse_start(const std::string& text, int64_t now, std::string& error) {
  if (text == "now") return now;
  if (text.rfind("in ", 0) == 0) {
    const port::Result<int64_t> seconds = protocol::parse_duration(text.substr(3));
    if (!seconds.is_ok()) {
      error = "start: use \"in 20s\", \"in 10m\" or \"in 2h\" (up to 7 days)";
      return -1;
    }
    return now + seconds.value();
  }
  tm parts{};
  const bool utc = !text.empty() && text.back() == 'Z';
  const std::string body = utc ? text.substr(0, text.size() - 1) : text;
  const char* end = nullptr;
  for (const char* format :
       {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"}) {
    parts = tm{};
    end = strptime(body.c_str(), format, &parts);
    if (end != nullptr && *end == '\0') break;
    end = nullptr;
  }
  if (end == nullptr) {
    error =
        "start: use now, \"in 20s\", or a time such as 2026-11-23T22:00:00Z (UTC) or "
        "2026-11-23T22:00 (local)";
    return -1;
  }
  if (parts.tm_year < 70) {
    error = "start: " + text + " is before 1970-01-01T00:00:00Z";
    return -1;
  }
  const tm asked = parts;
  parts.tm_isdst = -1;  // local time: let the zone's rules say whether daylight saving applies
  const time_t t = utc ? timegm(&parts) : mktime(&parts);
  // timegm and mktime normalise out-of-range fields (February 30th becomes March 2nd): a time
  // that does not read back the same was not a time of the calendar.
  tm back{};
  if (utc) {
    gmtime_r(&t, &back);
  } else {
    localtime_r(&t, &back);
  }
  if (!same_day(back, asked)) {
    error = "start: " + text + " is not a date of the calendar";
    return -1;
  }
  if (back.tm_hour != asked.tm_hour || back.tm_min != asked.tm_min || back.tm_sec != asked.tm_sec) {
    error = "start: " + text +
            (utc ? " is not a time of the day"
                 : " does not exist in local time (a daylight saving change skips it)");
    return -1;
  }
  return static_cast<int64_t>(t);
}

std::string start_zone(const std::string& text, int64_t start) {
  if (text == "now" || text.rfind("in ", 0) == 0 || (!text.empty() && text.back() == 'Z')) {
    return "UTC";
  }
  const time_t t = static_cast<time_t>(start);
  tm parts{};
  localtime_r(&t, &parts);
  char zone[64];
  std::strftime(zone, sizeof zone, "local time, %Z, UTC%z", &parts);
  return zone;
}

bool valid_recurrence(const std::string& recurrence, std::string& error) {
  int hour = 0, minute = 0;
  if (interval_of(recurrence) > 0) return true;
  if (recurrence.rfind("daily ", 0) == 0 && parse_hh_mm(recurrence.substr(6), hour, minute)) {
    return true;
  }
  error = "repeat: use \"every 20s\" (also 10m, 2h) or \"daily HH:MM\" (local time)";
  return false;
}

int64_t next_start(const std::string& recurrence, int64_t previous, int64_t after) {
  const int64_t interval = interval_of(recurrence);
  if (interval > 0) {
    int64_t next = previous + interval;
    if (next <= after) next += ((after - next) / interval + 1) * interval;  // skip missed runs
    return next;
  }
  int hour = 0, minute = 0;
  parse_hh_mm(recurrence.substr(6), hour, minute);
  const time_t base = static_cast<time_t>(after);
  tm day{};
  localtime_r(&base, &day);
  for (int add_days = 0; add_days < 3; ++add_days) {
    tm candidate = day;
    candidate.tm_mday += add_days;
    candidate.tm_hour = hour;
    candidate.tm_min = minute;
    candidate.tm_sec = 0;
    candidate.tm_isdst = -1;
    const int64_t t = static_cast<int64_t>(mktime(&candidate));
    if (t > after) return t;
  }
  return after + 24 * 3600;
}

}  // namespace door::scheduler
