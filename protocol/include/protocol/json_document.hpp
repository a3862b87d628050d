#pragma once
// Parses one whole JSON document from the network or a file, stricter than cJSON alone: text after
// the document is refused (cJSON stops at the end of the first value), and so is a NUL character,
// raw or escaped as \u0000, which would silently cut a C string short.
#include <cjson/cJSON.h>

#include <cstddef>
#include <string_view>

namespace door::protocol {

// The parsed document (free it with cJSON_Delete), or nullptr. On nullptr, error_offset (when
// given) is the byte where the text stopped being acceptable.
cJSON* parse_json_document(std::string_view text, std::size_t* error_offset = nullptr);

}  // namespace door::protocol
