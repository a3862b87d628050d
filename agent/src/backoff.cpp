#include "agent/backoff.hpp"

namespace door::agent {

int64_t Backoff::current_cap_ms() const {
  int64_t cap = min_ms_;
  for (int i = 0; i < attempt_ && cap < max_ms_; ++i) cap *= 2;
  return cap < max_ms_ ? cap : max_ms_;
}

int64_t Backoff::next_delay_ms() {
  const int64_t cap = current_cap_ms();
  if (attempt_ < 62) ++attempt_;
  return cap > floor_ms_ ? floor_ms_ + random_.uniform(cap - floor_ms_) : floor_ms_;
}

bool hub_retries(int status) {
  return status == 429 || (status >= 500 && status <= 599);
}

Backoff hub_request_backoff(port::JitterRandom& random) {
  return Backoff(kHubRetryFirstCapMs, kHubRetryMaxMs, random, kHubRetryFloorMs);
}

}  // namespace door::agent
