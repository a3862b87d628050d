// JSON merge patch (RFC 7386): the examples of its appendix that a door's documents meet.
#include "protocol/merge_patch.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace door::protocol {
namespace {

using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

// target merged with patch, printed compactly.
std::string merged(const char* target, const char* patch) {
  cJSON* t = cJSON_Parse(target);
  const JsonPtr p(cJSON_Parse(patch), &cJSON_Delete);
  EXPECT_NE(p.get(), nullptr) << patch;
  const JsonPtr result(merge_patch(t, p.get()), &cJSON_Delete);
  if (result.get() != t) cJSON_Delete(t);  // a copy of the patch replaced the target
  if (result == nullptr) return "<null>";
  const std::unique_ptr<char, decltype(&cJSON_free)> text(cJSON_PrintUnformatted(result.get()),
                                                          &cJSON_free);
  return text.get();
}

TEST(MergePatch, SetsReplacesAndDeletesMembers) {
  EXPECT_EQ(merged(R"({"a":"b"})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(merged(R"({"a":"b"})", R"({"b":"c"})"), R"({"a":"b","b":"c"})");
  EXPECT_EQ(merged(R"({"a":"b"})", R"({"a":null})"), R"({})");
  EXPECT_EQ(merged(R"({"a":"b","b":"c"})", R"({"a":null})"), R"({"b":"c"})");
}

TEST(MergePatch, ObjectsMergeRecursivelyAndNullsInsideDelete) {
  EXPECT_EQ(merged(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})"), R"({"a":{"b":"d"}})");
  EXPECT_EQ(merged(R"({"e":null})", R"({"a":1})"), R"({"e":null,"a":1})");
  EXPECT_EQ(merged(R"({})", R"({"a":{"bb":{"ccc":null}}})"), R"({"a":{"bb":{}}})");
}

TEST(MergePatch, ArraysAndNonObjectsReplaceWhole) {
  EXPECT_EQ(merged(R"({"a":["b"]})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(merged(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), R"({"a":[1]})");
  EXPECT_EQ(merged(R"(["a","b"])", R"(["c","d"])"), R"(["c","d"])");
  EXPECT_EQ(merged(R"({"a":"b"})", R"(["c"])"), R"(["c"])");
  EXPECT_EQ(merged(R"({"a":"foo"})", "null"), "null");
  EXPECT_EQ(merged(R"(["a","b"])", R"({"a":"b"})"), R"({"a":"b"})");
}

TEST(MergePatch, ANullTargetTakesThePatchWithoutItsNulls) {
  const JsonPtr patch(cJSON_Parse(R"({"floor":3,"note":null})"), &cJSON_Delete);
  const JsonPtr result(merge_patch(nullptr, patch.get()), &cJSON_Delete);
  ASSERT_NE(result.get(), nullptr);
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(result.get(), "floor")->valuedouble, 3);
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(result.get(), "note"), nullptr);
}

}  // namespace
}  // namespace door::protocol
