#pragma once
// How long a scheduler process waits before it tries the broker again: 1 s doubling to 30 s, with
// jitter so many schedulers do not come back at once.
#include <cstdint>
#include <random>
#include <string>

namespace door::scheduler::cli {

class ReconnectDelay {
 public:
  // The wait before the next attempt; each call doubles the next one, up to the ceiling.
  int64_t next_ms();
  // Connected: the next loss starts again from the shortest wait.
  void reset() { cap_ms_ = kFirstMs; }

 private:
  static constexpr int64_t kFirstMs = 1000;
  static constexpr int64_t kMaxMs = 30000;
  std::minstd_rand jitter_{std::random_device{}()};
  int64_t cap_ms_ = kFirstMs;
};

// "connection to the broker lost; reconnecting in 1.3 s"
std::string reconnecting_notice(int64_t delay_ms);

}  // namespace door::scheduler::cli
