#include "reconnect_delay.hpp"

#include <algorithm>
#include <cstdio>

namespace door::scheduler::cli {

int64_t ReconnectDelay::next_ms() {
  const int64_t delay_ms = cap_ms_ / 2 + static_cast<int64_t>(jitter_() % (cap_ms_ / 2 + 1));
  cap_ms_ = std::min(cap_ms_ * 2, kMaxMs);
  return delay_ms;
}

std::string reconnecting_notice(int64_t delay_ms) {
  char text[80];
  std::snprintf(text, sizeof text, "connection to the broker lost; reconnecting in %.1f s",
                static_cast<double>(delay_ms) / 1000);
  return text;
}

}  // namespace door::scheduler::cli
