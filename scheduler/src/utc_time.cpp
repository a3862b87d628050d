#include "scheduler/utc_time.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace door::scheduler {

std::string iso_utc(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string iso8601(int64_t unix_seconds) {
  std::string text = iso_utc(unix_seconds);
  text.insert(text.size() - 1, ".000");
  return text;
}

int64_t parse_iso8601(const std::string& text) {
  tm parts{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
    return -1;
  }
  std::size_t at = static_cast<std::size_t>(consumed);
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
  }
  if (at < text.size() && text[at] == 'Z') ++at;
  if (at != text.size()) return -1;
  if (parts.tm_year < 1970) return 0;  // the hub's DateTime.MinValue: not yet
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&parts));
}

}  // namespace door::scheduler
