#pragma once
// IoT Hub's twin GET answer is {"desired":{...},"reported":{...}}, up to about 66 KB. The reported
// part is the device's own and may be as large as the desired one, so it is skipped over (checked
// as JSON, not parsed into nodes) and the twin parses only {"desired":{...}}.
#include <string_view>

#include "port/text_writer.hpp"

namespace door::agent {

enum class TwinAnswer {
  reduced,            // out holds {"desired":...}
  unreadable,         // not one JSON object with exactly one "desired" member
  desired_too_large,  // the desired part does not fit in out
};

TwinAnswer reduce_twin_answer(std::string_view answer, port::TextWriter& out);

}  // namespace door::agent
