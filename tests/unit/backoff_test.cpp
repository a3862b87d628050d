#include "agent/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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

TEST(Backoff, HubRequestsWaitAtLeastOneSecondAndAtMostAHundredWithJitter) {
  port::JitterRandom random(3);
  Backoff retry = hub_request_backoff(random);
  int64_t first_lowest = kHubRetryFirstCapMs, first_highest = 0;
  for (int run = 0; run < 100; ++run) {
    retry.reset();
    const int64_t first = retry.next_delay_ms();
    EXPECT_GE(first, 1000);
    EXPECT_LE(first, 5000);
    first_lowest = std::min(first_lowest, first);
    first_highest = std::max(first_highest, first);
    for (int attempt = 1; attempt < 20; ++attempt) {
      const int64_t delay = retry.next_delay_ms();
      EXPECT_GE(delay, 1000);
      EXPECT_LE(delay, 100000);
    }
  }
  EXPECT_EQ(retry.current_cap_ms(), 100000);
  EXPECT_LT(first_lowest, 2000);  // jittered: devices throttled together do not retry together
  EXPECT_GT(first_highest, 4000);
}

TEST(Backoff, HubRequestsAreRetriedOnlyWhenThrottledOrFailedByTheHub) {
  for (int status : {429, 500, 503, 504, 599}) EXPECT_TRUE(hub_retries(status)) << status;
  for (int status : {200, 204, 400, 401, 403, 404, 412, 413, 0, 600}) {
    EXPECT_FALSE(hub_retries(status)) << status;
  }
}

}  // namespace
}  // namespace door::agent
