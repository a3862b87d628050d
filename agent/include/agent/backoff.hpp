#pragma once
// Retry delays: capped exponential backoff with full jitter. Attempt n waits a uniform random
// time in [floor, min(max, min * 2^n)]: never less than the floor, so a failing peer is never
// hammered, and spread over the whole range, so devices that failed together do not retry together.
#include <cstdint>

#include "port/random.hpp"

namespace door::agent {

class Backoff {
 public:
  // Reconnects: a broker that is down is asked again soon, but not in a tight loop.
  static constexpr int64_t kFloorMs = 100;

  Backoff(int64_t min_ms, int64_t max_ms, port::JitterRandom& random, int64_t floor_ms = kFloorMs)
      : min_ms_(min_ms), max_ms_(max_ms), floor_ms_(floor_ms), random_(random) {}

  int64_t next_delay_ms();
  // The ceiling the next delay is drawn under.
  int64_t current_cap_ms() const;
  void reset() { attempt_ = 0; }

 private:
  int64_t min_ms_;
  int64_t max_ms_;
  int64_t floor_ms_;
  port::JitterRandom& random_;
  int attempt_ = 0;
};

// IoT Hub's guidance for a throttled (429) or failed (5xx) request, as azure-sdk-for-c follows it:
// wait at least 1 s and at most 100 s, with jitter (the SDK adds up to 5 s, so the first retry
// falls in [1 s, 5 s]); any other status is not retried.
constexpr int64_t kHubRetryFloorMs = 1000;
constexpr int64_t kHubRetryFirstCapMs = 5000;
constexpr int64_t kHubRetryMaxMs = 100000;
bool hub_retries(int status);
Backoff hub_request_backoff(port::JitterRandom& random);

}  // namespace door::agent
