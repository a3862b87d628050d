#include "agent/backoff.hpp"

#include <gtest/gtest.h>

namespace door::agent {
namespace {

TEST(Backoff, DelaysStayUnderAGrowingCapThatStopsAtTheMaximum) {
  port::JitterRandom random(42);
  Backoff backoff(1000, 30000, random);
  const int64_t caps[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (int64_t cap : caps) {
    EXPECT_EQ(backoff.current_cap_ms(), cap);
    const int64_t delay = backoff.next_delay_ms();
    EXPECT_GE(delay, Backoff::kFloorMs);
    EXPECT_LE(delay, cap);
  }
}

TEST(Backoff, ResetStartsAgainFromTheMinimum) {
  port::JitterRandom random(7);
  Backoff backoff(500, 8000, random);
  for (int i = 0; i < 10; ++i) backoff.next_delay_ms();
  EXPECT_EQ(backoff.current_cap_ms(), 8000);
  backoff.reset();
  EXPECT_EQ(backoff.current_cap_ms(), 500);
}

TEST(Backoff, JitterSpreadsDelaysAcrossTheWholeRange) {
  port::JitterRandom random(1);
  Backoff backoff(10000, 10000, random);
  int64_t lowest = 10000, highest = 0;
  for (int i = 0; i < 200; ++i) {
    const int64_t d = backoff.next_delay_ms();
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  EXPECT_LT(lowest, 2000);  // full jitter: not a fixed delay plus noise
  EXPECT_GT(highest, 8000);
}

}  // namespace
}  // namespace door::agent
