#include "protocol/json_document.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace door::protocol {
namespace {

using Document = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

Document parse(std::string_view text, JsonRefusal* refusal = nullptr,
               RepeatedMembers repeated = RepeatedMembers::refuse) {
  return Document(parse_json_document(text, refusal, repeated), &cJSON_Delete);
}

TEST(JsonDocument, RefusesAMemberNamedTwiceAtAnyDepthAndNamesIt) {
  for (const auto& [text, name] : std::initializer_list<std::pair<const char*, const char*>>{
           {R"({"unlockTime":"2s","unlockTime":"1h"})", "unlockTime"},
           {R"({"floor":5,"floor":"x"})", "floor"},
           {R"({"a":{"b":1,"c":{"d":1,"d":2}}})", "d"},
           {R"([{"x":1},{"y":1,"y":1}])", "y"},
           {R"({"$version":2,"$version":3})", "$version"},
           {R"({"a\u0001":1,"a\u0001":2})", ""}}) {
    JsonRefusal refusal;
    EXPECT_EQ(parse(text, &refusal), nullptr) << text;
    EXPECT_TRUE(refusal.repeated_member) << text;
    EXPECT_STREQ(refusal.member, name) << text;
  }
  JsonRefusal refusal;
  EXPECT_NE(parse(R"({"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]})", &refusal), nullptr);
  EXPECT_FALSE(refusal.repeated_member);
}

TEST(JsonDocument, KeepsRepeatedMembersForTheCallerToFindWhenAsked) {
  const Document root = parse(R"({"a":1,"b":{"c":1,"c":2},"a":2})", nullptr, RepeatedMembers::keep);
  ASSERT_NE(root, nullptr);
  const cJSON* top = find_repeated_member(root.get(), false);
  ASSERT_NE(top, nullptr);
  EXPECT_STREQ(top->string, "a");
  const cJSON* nested = find_repeated_member(cJSON_GetObjectItemCaseSensitive(root.get(), "b"));
  ASSERT_NE(nested, nullptr);
  EXPECT_STREQ(nested->string, "c");
}

TEST(JsonDocument, ReadsIntegersExactlyAroundTwoToThe53rdAndThe63rd) {
  struct Case {
    const char* text;
    bool ok;
    int64_t value;
  };
  for (const Case& c :
       {Case{"9007199254740992", true, 9007199254740992},
        Case{"9007199254740993", true, 9007199254740993},
        Case{"9223372036854775807", true, INT64_MAX}, Case{"9223372036854775808", false, 0},
        Case{"-9223372036854775808", true, INT64_MIN}, Case{"-9223372036854775809", false, 0},
        Case{"18446744073709551616", false, 0}, Case{"9.2e18", false, 0}, Case{"1e300", false, 0},
        Case{"1.0", false, 0}, Case{"0", true, 0}}) {
    const std::string text = std::string(R"({"v":[1,"2",)") + c.text + "]}";
    const Document root = parse(text);
    ASSERT_NE(root, nullptr) << c.text;
    const cJSON* v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root.get(), "v"), 2);
    const port::Result<int64_t> out = exact_integer(v);
    EXPECT_EQ(out.is_ok(), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(out.value(), c.value) << c.text;
    }
  }
}

TEST(JsonDocument, FindsNumbersADoubleCannotHoldAsWritten) {
  for (const char* held : {"0", "-0.0e5", "3", "-20", "1.5", "0.1", "123456789012345",
                           "-999999999999999", "1e21", "9.99999999999999e307", "1e-307", "1.23e-5",
                           "1e299", "100000000000000000000000", "0.000000000000000000001"}) {
    const Document root = parse(std::string(R"({"k":{"n":[)") + held + "]}}");
    ASSERT_NE(root, nullptr) << held;
    EXPECT_EQ(find_inexact_number(root.get()), nullptr) << held;
  }
  for (const char* changed :
       {"9007199254740992", "9007199254740993", "1e308", "1e-308", "1234567890123456.5",
        "0.1234567890123456", "1e400", "-1e400", "1e-400", "12345678901234567890"}) {
    const Document root = parse(std::string(R"({"k":{"n":[1,"x",)") + changed + "]}}");
    ASSERT_NE(root, nullptr) << changed;
    const cJSON* found = find_inexact_number(root.get());
    ASSERT_NE(found, nullptr) << changed;
    EXPECT_STREQ(found->valuestring, changed);
  }
}

}  // namespace
}  // namespace door::protocol
