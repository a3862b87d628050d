#include "scheduler/schedule.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace door::scheduler {
namespace {

// Runs a test body in a given time zone and restores the previous one.
class InZone {
 public:
  explicit InZone(const char* zone) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~InZone() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

constexpr int64_t kNow = 1800000000;  // 2027-01-15T08:00:00Z

TEST(Schedule, StartTimes) {
  std::string error;
  EXPECT_EQ(parse_start("now", kNow, error), kNow);
  EXPECT_EQ(parse_start("in 20s", kNow, error), kNow + 20);
  EXPECT_EQ(parse_start("in 2h", kNow, error), kNow + 7200);
  EXPECT_EQ(parse_start("2027-01-15T08:30:00Z", kNow, error), kNow + 1800);
  InZone berlin("Europe/Berlin");  // UTC+1 in January
  EXPECT_EQ(parse_start("2027-01-15T10:00", kNow, error), kNow + 3600);
  EXPECT_EQ(parse_start("2027-01-15 09:00:00", kNow, error), kNow);
}

TEST(Schedule, BadStartTimesSayWhatIsExpected) {
  std::string error;
  for (const char* bad :
       {"later", "in 5 minutes", "in 0s", "2027-13-01T00:00Z", "tomorrow 10:00"}) {
    error.clear();
    EXPECT_EQ(parse_start(bad, kNow, error), -1) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(Schedule, StartTimesAreTakenExactlyAsWritten) {
  std::string error;
  // Before 1970 once gave -1 (the error value) with no reason.
  EXPECT_EQ(parse_start("1969-12-31T23:59:59Z", kNow, error), -1);
  EXPECT_EQ(error, "start: 1969-12-31T23:59:59Z is before 1970-01-01T00:00:00Z");
  EXPECT_EQ(parse_start("1970-01-01T00:00:00Z", kNow, error), 0);
  // February 30th was normalised to March 2nd.
  for (const char* bad : {"2026-02-30T10:00", "2026-02-30T10:00:00Z", "2027-02-29 10:00"}) {
    error.clear();
    EXPECT_EQ(parse_start(bad, kNow, error), -1) << bad;
    EXPECT_EQ(error, std::string("start: ") + bad + " is not a date of the calendar");
  }
  EXPECT_EQ(parse_start("2026-06-15T10:59:60Z", kNow, error), -1);
  EXPECT_EQ(error, "start: 2026-06-15T10:59:60Z is not a time of the day");
  EXPECT_EQ(parse_start("2028-02-29T00:00:00Z", kNow, error), 1835395200);  // a leap day
  InZone berlin("Europe/Berlin");
  // 02:30 does not happen on the day Berlin moves its clocks forward.
  EXPECT_EQ(parse_start("2027-03-28T02:30", kNow, error), -1);
  EXPECT_EQ(error,
            "start: 2027-03-28T02:30 does not exist in local time (a daylight saving change skips "
            "it)");
}

TEST(Schedule, Recurrences) {
  std::string error;
  EXPECT_TRUE(valid_recurrence("every 20s", error));
  EXPECT_TRUE(valid_recurrence("daily 22:00", error));
  for (const char* bad :
       {"every", "every 0s", "daily 24:00", "daily 7:00", "hourly", "daily 22:00x"}) {
    EXPECT_FALSE(valid_recurrence(bad, error)) << bad;
  }
  EXPECT_EQ(next_start("every 20s", kNow, kNow), kNow + 20);
  EXPECT_EQ(next_start("every 20s", kNow, kNow + 65), kNow + 80);  // missed runs are skipped
}

TEST(Schedule, DailyFollowsTheLocalZoneAcrossDaylightSaving) {
  InZone berlin("Europe/Berlin");
  // 22:00 in Berlin on 2027-01-15 is 21:00 UTC.
  EXPECT_EQ(next_start("daily 22:00", kNow, kNow), kNow + 13 * 3600);
  // Berlin moves to summer time on 2027-03-28: 22:00 is then 20:00 UTC.
  const int64_t march_27_noon_utc = 1806148800;  // 2027-03-27T12:00:00Z
  EXPECT_EQ(next_start("daily 22:00", 0, march_27_noon_utc), march_27_noon_utc + 9 * 3600);
  EXPECT_EQ(next_start("daily 22:00", 0, march_27_noon_utc + 9 * 3600),
            march_27_noon_utc + 32 * 3600);
}

TEST(Schedule, AStartNamesTheZoneItWasReadIn) {
  InZone paris("Europe/Paris");
  std::string error;
  const int64_t winter = parse_start("2026-11-23T22:00", kNow, error);
  EXPECT_EQ(start_zone("2026-11-23T22:00", winter), "local time, CET, UTC+0100");
  const int64_t summer = parse_start("2026-07-01T22:00", kNow, error);
  EXPECT_EQ(start_zone("2026-07-01T22:00", summer), "local time, CEST, UTC+0200");
  EXPECT_EQ(start_zone("2026-11-23T22:00:00Z", winter), "UTC");
  EXPECT_EQ(start_zone("now", kNow), "UTC");
}

}  // namespace
}  // namespace door::scheduler
