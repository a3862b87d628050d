#include "port/clock.hpp"

#include <fcntl.h>
#include <sys/timex.h>
#include <unistd.h>

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

bool wall_clock_synchronized() {
  if (access("/run/systemd/timesync/synchronized", F_OK) == 0) return true;
  timex state{};
  const int clock_state = adjtimex(&state);  // -1 where a seccomp filter refuses it
  return clock_state != -1 && clock_state != TIME_ERROR;
}

BootId read_boot_id() {
  BootId id;
  const int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return id;
  constexpr std::size_t kUuidLength = 36;
  const ssize_t n = read(fd, id.text, kUuidLength);
  close(fd);
  id.text[n == static_cast<ssize_t>(kUuidLength) ? kUuidLength : 0] = '\0';
  return id;
}

Status format_utc(int64_t unix_seconds, char* out, std::size_t capacity) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  if (gmtime_r(&t, &parts) == nullptr) return Status::invalid();
  return Status::from(strftime(out, capacity, "%Y-%m-%dT%H:%M:%SZ", &parts) != 0,
                      Status::Code::too_large);
}

}  // namespace door::port
