// Samples a gpio-sim line's level (its sysfs `value`) in a tight loop and prints every transition
// as "<monotonic ms> <level>", beginning with the level found at start, until SIGTERM or SIGINT.
// An output the sampler does not own cannot give edge events, so it reads. Usage:
//   lock_sampler /sys/devices/platform/gpio-sim.0/gpiochip0/sim_gpio17/value
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>

namespace {

volatile std::sig_atomic_t stop = 0;

void on_signal(int) {
  stop = 1;
}

long long now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<long long>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SYSFS_VALUE_FILE\n", argv[0]);
    return 2;
  }
  const int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::perror(argv[1]);
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  char last = 0;
  long long samples = 0;
  while (stop == 0) {
    char level = 0;
    if (pread(fd, &level, 1, 0) != 1) {
      std::perror(argv[1]);
      return 1;
    }
    ++samples;
    if (level != last) {
      std::printf("%lld %c\n", now_ms(), level);
      last = level;
    }
  }
  std::fprintf(stderr, "lock_sampler: %lld samples\n", samples);
  return 0;
}
