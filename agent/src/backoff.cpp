#include "agent/backoff.hpp"

namespace door::agent {

int64_t Backoff::current_cap_ms() const {
  int64_t cap = min_ms_;
  for (int i = 0; i < attempt_ && cap < max_ms_; ++i) cap *= 2;
  return cap < max_ms_ ? cap : max_ms_;
}

int64_t Backoff::next_delay_ms() {
  const int64_t delay = random_.uniform(current_cap_ms());
  if (attempt_ < 62) ++attempt_;
  return delay < kFloorMs ? kFloorMs : delay;
}

}  // namespace door::agent
