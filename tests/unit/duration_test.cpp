#include "protocol/duration.hpp"

#include <gtest/gtest.h>

namespace door::protocol {
namespace {

TEST(Duration, UnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration("30s"), 30);
  EXPECT_EQ(parse_duration("10m"), 600);
  EXPECT_EQ(parse_duration("2h"), 7200);
  EXPECT_EQ(parse_duration("45"), 45);
  EXPECT_EQ(parse_duration("168h"), kMaxDurationSeconds);
  EXPECT_EQ(duration_from_number(90), 90);
}

TEST(Duration, RefusesWhatIsNotADurationInRange) {
  for (const char* bad :
       {"", "s", "0", "0s", "-5s", "1.5m", "10 m", "10M", "1d", "169h", "99999999999999", "abc"}) {
    EXPECT_EQ(parse_duration(bad), -1) << bad;
  }
  EXPECT_EQ(duration_from_number(0), -1);
  EXPECT_EQ(duration_from_number(1.5), -1);
  EXPECT_EQ(duration_from_number(-3), -1);
  EXPECT_EQ(duration_from_number(1e300), -1);
}

}  // namespace
}  // namespace door::protocol
