#include "port/text_writer.hpp"

#include "port/json_object_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace door::port {
namespace {

TEST(TextWriter, AppendsTextAndNumbers) {
  char buf[64];
  TextWriter w(buf, sizeof buf);
  w.add("n=").add_int(-42).add(',').add_uint(18446744073709551615ULL).add(',').add_int(INT64_MIN);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.view(), "n=-42,18446744073709551615,-9223372036854775808");
  EXPECT_STREQ(w.c_str(), "n=-42,18446744073709551615,-9223372036854775808");
}

TEST(TextWriter, FailsInsteadOfTruncatingAndStaysFailed) {
  char buf[6];
  TextWriter w(buf, sizeof buf);
  EXPECT_TRUE(w.add("12345").ok());  // five characters and the NUL fit exactly
  EXPECT_FALSE(w.add("6").ok());
  EXPECT_FALSE(w.add("").ok());
  EXPECT_EQ(w.view(), "12345");
  w.clear();
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 0u);
}

TEST(TextWriter, UrlEncodesAllButUnreservedCharacters) {
  char buf[128];
  TextWriter w(buf, sizeof buf);
  w.add_url_encoded("hub.net/devices/d-1_x~y+z= \n");
  EXPECT_EQ(w.view(), "hub.net%2Fdevices%2Fd-1_x~y%2Bz%3D%20%0A");
}

TEST(TextWriter, JsonEscapesQuotesBackslashesAndControlCharacters) {
  char buf[128];
  TextWriter w(buf, sizeof buf);
  w.add_json_escaped("no \"door\" in C:\\x\n\x01 ok");
  EXPECT_EQ(w.view(), R"(no \"door\" in C:\\x\u000A\u0001 ok)");
}

// The reported document once named "door" twice; the object writer writes each name once.
TEST(JsonObjectWriter, WritesEachNameOnce) {
  char buf[64];
  TextWriter w(buf, sizeof buf);
  std::string_view names[3];
  JsonObjectWriter object(w, names, 3);
  ASSERT_TRUE(object.member("door").is_ok());
  object.text().add("1");
  EXPECT_EQ(object.member("door"), Status::invalid());
  ASSERT_TRUE(object.member("a\"b").is_ok());
  object.text().add("2");
  ASSERT_TRUE(object.member("c").is_ok());
  object.text().add("3");
  EXPECT_EQ(object.member("d"), Status::full());  // no room to remember it
  ASSERT_TRUE(object.close().is_ok());
  EXPECT_EQ(w.view(), R"({"door":1,"a\"b":2,"c":3})");
}

}  // namespace
}  // namespace door::port
