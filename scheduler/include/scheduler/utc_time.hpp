#pragma once
// Times as text in ISO 8601 UTC, the form IoT Hub and the scheduler's output use.
#include <cstdint>
#include <string>

namespace door::scheduler {

// Unix seconds in ISO 8601 UTC ("2026-11-23T22:00:00Z"), as IoT Hub writes times.
std::string iso_utc(int64_t unix_seconds);
// The same with milliseconds ("2026-11-23T22:00:00.000Z"), as the service SDKs write startTime
// (JavaScript's toISOString()).
std::string iso8601(int64_t unix_seconds);
// Unix seconds of an ISO 8601 UTC time ("...Z", fractions allowed, or without a zone as the hub
// writes its *Utc fields); 0 for the hub's "no time" (year 1) and -1 for text that is not one.
int64_t parse_iso8601(const std::string& text);

}  // namespace door::scheduler
