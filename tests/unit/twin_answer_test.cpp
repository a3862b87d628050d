#include "agent/twin_answer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace door::agent {
namespace {

TwinAnswer reduce(const std::string& answer, std::string& desired, std::size_t capacity = 4096) {
  std::string buffer(capacity, '\0');
  port::TextWriter out(buffer.data(), buffer.size());
  const TwinAnswer result = reduce_twin_answer(answer, out);
  desired = std::string(out.view());
  return result;
}

TEST(TwinAnswer, KeepsTheDesiredPartAndSkipsTheReportedOne) {
  std::string desired;
  EXPECT_EQ(reduce(R"( {"desired" : {"floor":3,"$version":5} , "reported":{"x":[1,-2.5e+3,true,)"
                   R"(false,null,"a\"\\\/\b\f\n\r\t\u00e9",{}],"$version":2}} )",
                   desired),
            TwinAnswer::reduced);
  EXPECT_EQ(desired, R"({"desired":{"floor":3,"$version":5}})");
  EXPECT_EQ(reduce(R"({"reported":{},"desired":{}})", desired), TwinAnswer::reduced);
  EXPECT_EQ(desired, R"({"desired":{}})");
}

TEST(TwinAnswer, RefusesWhatIsNotOneObjectWithOneDesiredMember) {
  std::string desired;
  for (const std::string& answer : std::vector<std::string>{
           "", "{", "[]", R"({"reported":{}})", R"({"desired":{},"desired":{}})",
           R"({"desired":{}} {})", R"({"desired":{},})", R"({"desired":{"a":01}})",
           R"({"desired":{"a":1.}})", R"({"desired":{"a":"\x"}})", R"({"desired":{"a":"\u12g4"}})",
           "{\"desired\":{\"a\":\"\x01\"}}", R"({"desired":{"a":tru}})", R"({"desired":{"a" 1}})",
           R"({"desired":{},"reported":{"a":[1,]}})", R"({"desired":{},"reported":"open)",
           R"({desired:{}})", R"({"d\u0065sired":1,"desired":{}})",
           "{\"desired\":" + std::string(40, '[') + std::string(40, ']') + "}"}) {
    EXPECT_EQ(reduce(answer, desired), TwinAnswer::unreadable) << answer;
  }
}

TEST(TwinAnswer, SaysWhenTheDesiredPartDoesNotFit) {
  std::string desired;
  const std::string big = R"({"desired":{"a":")" + std::string(100, 'x') + R"("},"reported":{}})";
  EXPECT_EQ(reduce(big, desired, 64), TwinAnswer::desired_too_large);
  EXPECT_EQ(reduce(big, desired, 200), TwinAnswer::reduced);
}

}  // namespace
}  // namespace door::agent
