#include "protocol/json_document.hpp"

namespace door::protocol {

namespace {

bool json_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

cJSON* refuse(std::size_t offset, std::size_t* error_offset) {
  if (error_offset != nullptr) *error_offset = offset;
  return nullptr;
}

}  // namespace

cJSON* parse_json_document(std::string_view text, std::size_t* error_offset) {
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return refuse(nul, error_offset);
  }
  if (const auto escaped = text.find("\\u0000"); escaped != std::string_view::npos) {
    return refuse(escaped, error_offset);
  }
  const char* end = nullptr;
  cJSON* root = cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false);
  if (root == nullptr) {
    const char* at = cJSON_GetErrorPtr();
    return refuse(at != nullptr && at >= text.data() ? at - text.data() : 0, error_offset);
  }
  std::size_t rest = end - text.data();
  while (rest < text.size() && json_space(text[rest])) ++rest;
  if (rest < text.size()) {
    cJSON_Delete(root);
    return refuse(rest, error_offset);
  }
  return root;
}

}  // namespace door::protocol
