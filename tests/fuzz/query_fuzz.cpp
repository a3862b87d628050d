// libFuzzer target for the scheduler's query parser: any input must parse or be refused with a
// reason, and a parsed query must evaluate against a device without crashing.
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scheduler/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static cJSON* reported =
      cJSON_Parse(R"({"floor":{"value":3,"ac":200},"door":{"lock":"locked"}})");
  static cJSON* desired = cJSON_Parse(R"({"$version":2,"building":43})");
  static cJSON* status = cJSON_Parse(R"({"online":true})");
  door::scheduler::Query query;
  std::string error;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (query.parse(text, error)) {
    query.matches({"door-1", reported, desired, status});
  } else if (error.empty()) {
    __builtin_trap();  // a refusal must say why
  }
  return 0;
}
