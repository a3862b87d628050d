// libFuzzer target for the scheduler's query parser: any input must parse or be refused with a
// one-line reason, and a parsed query must evaluate against a device without crashing.
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "scheduler/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static cJSON* reported =
      cJSON_Parse(R"({"floor":{"value":3,"ac":200},"door":{"lock":"locked"}})");
  static cJSON* desired = cJSON_Parse(R"({"$version":2,"building":43})");
  static cJSON* status = cJSON_Parse(R"({"online":true})");
  door::scheduler::Query query;
  std::string error;
  if (query.parse(door::fuzz::as_text(data, size), error)) {
    query.matches({"door-1", reported, desired, status});
  } else {
    door::fuzz::require(!error.empty() && door::fuzz::one_line(error));
  }
  return 0;
}
