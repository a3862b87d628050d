#include "port/status.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace door::port {
namespace {

TEST(Status, EachFactoryGivesItsCodeAndText) {
  EXPECT_TRUE(Status().is_ok());
  EXPECT_TRUE(Status::ok().is_ok());
  EXPECT_EQ(Status::invalid().code(), Status::Code::invalid);
  EXPECT_EQ(Status::too_large().code(), Status::Code::too_large);
  EXPECT_EQ(Status::full().code(), Status::Code::full);
  EXPECT_EQ(Status::unavailable().code(), Status::Code::unavailable);
  EXPECT_EQ(Status::io_error().code(), Status::Code::io_error);
  EXPECT_FALSE(Status::full().is_ok());
  EXPECT_STREQ(Status::too_large().text(), "too large");
  EXPECT_STREQ(Status::io_error().text(), "input/output error");
  EXPECT_EQ(Status::from(true, Status::Code::full), Status::ok());
  EXPECT_EQ(Status::from(false, Status::Code::full), Status::full());
}

TEST(Status, AReasonIsFormattedAndWithoutOneTheCodeSpeaks) {
  const Status s =
      Status::failure(Status::Code::invalid, "line %s is past the chip's %d lines", "54", 54);
  EXPECT_EQ(s.code(), Status::Code::invalid);
  EXPECT_STREQ(s.reason(), "line 54 is past the chip's 54 lines");
  EXPECT_STREQ(s.text(), "invalid");
  EXPECT_EQ(s.error_number(), 0);
  EXPECT_STREQ(Status::full().reason(), "full");
  // Statuses compare by code: the reason is for people.
  EXPECT_EQ(s, Status::invalid());
  EXPECT_NE(s, Status::full());
}

TEST(Status, AReasonLongerThanItsCapacityIsCutAndSaysSo) {
  const std::string path(300, 'p');
  const Status s = Status::failure(Status::Code::unavailable, "%s: gone", path.c_str());
  const std::string reason = s.reason();
  ASSERT_EQ(reason.size(), kStatusReasonBytes - 1);
  EXPECT_EQ(reason.substr(0, reason.size() - 3), path.substr(0, kStatusReasonBytes - 4));
  EXPECT_EQ(reason.substr(reason.size() - 3), "...");
  // One byte short of the capacity still fits whole.
  const std::string fits(kStatusReasonBytes - 1, 'f');
  EXPECT_EQ(std::string(Status::failure(Status::Code::invalid, "%s", fits.c_str()).reason()), fits);
}

TEST(Status, ASystemErrorKeepsItsErrnoAndSaysItsText) {
  const Status s = Status::system_error(Status::Code::unavailable, ENOENT, "%s", "/dev/gpiochip9");
  EXPECT_EQ(s.code(), Status::Code::unavailable);
  EXPECT_EQ(s.error_number(), ENOENT);
  EXPECT_STREQ(s.reason(), "/dev/gpiochip9: No such file or directory");
  const Status busy = Status::system_error(Status::Code::io_error, EBUSY, "requesting line %d", 17);
  EXPECT_STREQ(busy.reason(), "requesting line 17: Device or resource busy");
  // A long subject is cut, and the system's text still comes whole after it.
  const std::string path(400, 'x');
  const Status cut = Status::system_error(Status::Code::io_error, EIO, "%s", path.c_str());
  const std::string reason = cut.reason();
  EXPECT_EQ(reason.size(), kStatusReasonBytes - 1);
  const std::string tail = "...: Input/output error";
  EXPECT_EQ(reason.substr(reason.size() - tail.size()), tail);
  EXPECT_EQ(cut.error_number(), EIO);
}

TEST(Status, ACopyKeepsCodeErrnoAndReason) {
  Status s;
  s = Status::system_error(Status::Code::io_error, EROFS, "%s", "state.json");
  const Status copy = s;
  EXPECT_EQ(copy.code(), Status::Code::io_error);
  EXPECT_EQ(copy.error_number(), EROFS);
  EXPECT_STREQ(copy.reason(), "state.json: Read-only file system");
}

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Status::failure(Status::Code::invalid, "'%c' is no digit", c);
  return c - '0';
}

TEST(Result, HoldsAValueOrTheStatusThatSaysWhyNot) {
  const Result<int> seven = parse_digit('7');
  ASSERT_TRUE(seven.is_ok());
  EXPECT_EQ(seven.value(), 7);
  EXPECT_TRUE(seven.status().is_ok());
  const Result<int> x = parse_digit('x');
  EXPECT_FALSE(x.is_ok());
  EXPECT_EQ(x.status().code(), Status::Code::invalid);
  EXPECT_STREQ(x.status().reason(), "'x' is no digit");
}

TEST(Result, AMoveOnlyValueIsTakenOut) {
  Result<std::unique_ptr<int>> held(std::make_unique<int>(5));
  ASSERT_TRUE(held.is_ok());
  std::unique_ptr<int> taken = std::move(held).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 5);
}

TEST(Result, AnOkStatusWithoutAValueIsNotASuccess) {
  const Result<int> none(Status::ok());
  EXPECT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), Status::Code::invalid);
  EXPECT_STREQ(none.status().reason(), "a result without a value");
}

}  // namespace
}  // namespace door::port
