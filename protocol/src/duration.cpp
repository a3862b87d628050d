#include "protocol/duration.hpp"

namespace door::protocol {

port::Result<int64_t> duration_from_number(double value) {
  if (!(value >= 1 && value <= static_cast<double>(kMaxDurationSeconds)))
    return port::Status::invalid();
  const auto whole = static_cast<int64_t>(value);
  if (static_cast<double>(whole) != value) return port::Status::invalid();
  return whole;
}

port::Result<int64_t> parse_duration(std::string_view text) {
  if (text.empty() || text.size() > 12) return port::Status::invalid();
  int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    default: unit = 0; break;  // plain seconds
  }
  if (unit != 0) text.remove_suffix(1);
  if (unit == 0) unit = 1;
  if (text.empty()) return port::Status::invalid();
  int64_t count = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return port::Status::invalid();
    count = count * 10 + (c - '0');
  }
  const int64_t seconds = count * unit;
  if (seconds < 1 || seconds > kMaxDurationSeconds) return port::Status::invalid();
  return seconds;
}

}  // namespace door::protocol
