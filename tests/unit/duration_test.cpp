#include "protocol/duration.hpp"

#include <gtest/gtest.h>

namespace door::protocol {
namespace {

TEST(Duration, UnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration("30s").value(), 30);
  EXPECT_EQ(parse_duration("10m").value(), 600);
  EXPECT_EQ(parse_duration("2h").value(), 7200);
  EXPECT_EQ(parse_duration("45").value(), 45);
  EXPECT_EQ(parse_duration("168h").value(), kMaxDurationSeconds);
  EXPECT_EQ(duration_from_number(90).value(), 90);
}

TEST(Duration, RefusesWhatIsNotADurationInRange) {
  for (const char* bad :
       {"", "s", "0", "0s", "-5s", "1.5m", "10 m", "10M", "1d", "169h", "99999999999999", "abc"}) {
    EXPECT_FALSE(parse_duration(bad).is_ok()) << bad;
  }
  EXPECT_FALSE(duration_from_number(0).is_ok());
  EXPECT_FALSE(duration_from_number(1.5).is_ok());
  EXPECT_FALSE(duration_from_number(-3).is_ok());
  EXPECT_FALSE(duration_from_number(1e300).is_ok());
}

}  // namespace
}  // namespace door::protocol
