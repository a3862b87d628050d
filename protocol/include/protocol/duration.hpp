#pragma once
// Durations in method payloads: "30s", "10m", "2h", or whole seconds ("45" or the number 45).
#include <cstdint>
#include <string_view>

#include "port/status.hpp"

namespace door::protocol {

// The longest hold a method may ask for: a week.
constexpr int64_t kMaxDurationSeconds = 7 * 24 * 3600;

// Seconds in 1..kMaxDurationSeconds, or invalid when the text is not such a duration.
port::Result<int64_t> parse_duration(std::string_view text);
// For a JSON number: whole seconds in range, or invalid.
port::Result<int64_t> duration_from_number(double value);

}  // namespace door::protocol
