#pragma once
// Reconnect delays: capped exponential backoff with full jitter. Attempt n waits a uniform random
// time in [0, min(max, min * 2^n)], at least kFloorMs so a failing broker is never hammered.
#include <cstdint>

#include "port/random.hpp"

namespace door::agent {

class Backoff {
 public:
  static constexpr int64_t kFloorMs = 100;

  Backoff(int64_t min_ms, int64_t max_ms, port::JitterRandom& random)
      : min_ms_(min_ms), max_ms_(max_ms), random_(random) {}

  int64_t next_delay_ms();
  // The ceiling the next delay is drawn under.
  int64_t current_cap_ms() const;
  void reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  int64_t min_ms_;
  int64_t max_ms_;
  port::JitterRandom& random_;
  int attempt_ = 0;
};

}  // namespace door::agent
