// libFuzzer target for IoT Hub's twin GET answer, reduced to its desired part before the twin
// parses it (reduce_twin_answer), which skips the reported part without parsing it. A reduction is
// {"desired":...} around the answer's own text; and where cJSON reads the whole answer as one
// object, that object has one "desired" member, equal to the value in the reduction. (The skipper
// follows RFC 8259 strictly: cJSON takes some text it refuses, such as leading zeros, and refuses
// numbers longer than 63 characters, which it takes.)
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/twin_answer.hpp"
#include "fuzz_support.hpp"
#include "port/text_writer.hpp"

namespace door::agent {
namespace {

using fuzz::require;
using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

JsonPtr parse(std::string_view text) {
  const char* end = nullptr;
  cJSON* root = cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false);
  // Only whitespace may follow the document.
  while (root != nullptr && end < text.data() + text.size()) {
    if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
      cJSON_Delete(root);
      root = nullptr;
    }
    ++end;
  }
  return JsonPtr(root, &cJSON_Delete);
}

int count_desired(const cJSON* object) {
  int n = 0;
  for (const cJSON* item = object->child; item != nullptr; item = item->next) {
    if (std::string(item->string) == "desired") ++n;
  }
  return n;
}

}  // namespace
}  // namespace door::agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace door::agent;
  const std::string answer(door::fuzz::as_text(data, size));
  if (answer.find('\0') != std::string::npos) return 0;  // cJSON stops at NUL; the hub sends none
  char buffer[4096];
  door::port::TextWriter out(buffer, sizeof buffer);
  const TwinAnswer result = reduce_twin_answer(answer, out);
  if (result == TwinAnswer::unreadable) return 0;
  if (result == TwinAnswer::desired_too_large) {
    require(answer.size() > sizeof buffer - 12);
    return 0;
  }
  const std::string_view reduced = out.view();
  require(reduced.size() >= 12 && reduced.substr(0, 11) == R"({"desired":)" &&
          reduced.back() == '}');
  require(answer.find(reduced.substr(11, reduced.size() - 12)) != std::string::npos);
  const JsonPtr whole = parse(answer);
  if (!cJSON_IsObject(whole.get())) return 0;
  require(count_desired(whole.get()) == 1);
  const JsonPtr mine = parse(reduced);
  require(cJSON_IsObject(mine.get()) && count_desired(mine.get()) == 1 &&
          mine->child->next == nullptr);
  // Compared as printed, member by member in order: cJSON_Compare looks members up by name, so it
  // calls two equal objects that repeat a name ({"a":1,"a":2}) different.
  const std::unique_ptr<char, decltype(&cJSON_free)> expected(
      cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(whole.get(), "desired")),
      &cJSON_free);
  const std::unique_ptr<char, decltype(&cJSON_free)> reduced_desired(
      cJSON_PrintUnformatted(mine->child), &cJSON_free);
  require(expected && reduced_desired &&
          std::string(expected.get()) == std::string(reduced_desired.get()));
  return 0;
}
