#include "protocol/limits.hpp"
#include "protocol/topics.hpp"

namespace door::protocol {

namespace {
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool all_of(std::string_view text, std::size_t max_length, std::string_view extra) {
  if (text.empty() || text.size() > max_length) return false;
  for (char c : text) {
    if (!is_alnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}
}  // namespace

bool valid_device_id(std::string_view id) {
  return all_of(id, kMaxDeviceIdLength, "-._:@");
}
bool valid_method_name(std::string_view name) {
  return all_of(name, kMaxMethodNameLength, "-._:");
}
bool valid_request_id(std::string_view rid) {
  return all_of(rid, kMaxRequestIdLength, "-._:");
}

bool device_reported_member(std::string_view key) {
  return key == "door" || key == "agent" || key == "eventJournal";
}

}  // namespace door::protocol
