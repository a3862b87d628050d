#include "agent/paho_sleep.hpp"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

namespace door::agent {

namespace {

// Short enough that the receive thread finds the new socket within a millisecond, long enough that
// the few milliseconds until it opens cost a handful of wake-ups.
constexpr useconds_t kConnectingSleepUs = 1000;

std::atomic<int> g_connecting{0};

}  // namespace

void paho_connecting(bool on) {
  g_connecting += on ? 1 : -1;
}

}  // namespace door::agent

// The C library's usleep, with the cap above. Paho is its only caller in the agent.
extern "C" int usleep(useconds_t us) {
  if (door::agent::g_connecting.load() > 0 && us > door::agent::kConnectingSleepUs) {
    us = door::agent::kConnectingSleepUs;
  }
  timespec left{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
  while (nanosleep(&left, &left) != 0) {
    if (errno != EINTR) return -1;
  }
  return 0;
}
