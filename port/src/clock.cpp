#include "port/clock.hpp"

#include <ctime>

namespace door::port {

int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

int64_t wall_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool wall_clock_unset() {
  return wall_seconds() < DOOR_BUILD_EPOCH;
}

Status format_utc(int64_t unix_seconds, char* out, std::size_t capacity) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  if (gmtime_r(&t, &parts) == nullptr) return Status::invalid();
  return Status::from(strftime(out, capacity, "%Y-%m-%dT%H:%M:%SZ", &parts) != 0,
                      Status::Code::too_large);
}

}  // namespace door::port
