#include "topic_text.hpp"

namespace door::protocol::detail {

bool consume(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  return true;
}

bool next_level(std::string_view& text, std::string_view& level) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  level = text.substr(0, slash);
  text.remove_prefix(slash + 1);
  return true;
}

bool parse_decimal(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    if (value > (INT64_MAX - (c - '0')) / 10) return false;  // beyond 2^63 - 1
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

bool parse_status(std::string_view text, int& out) {
  int64_t value = 0;
  if (text.size() != 3 || !parse_decimal(text, value) || value < 100 || value > 599) return false;
  out = static_cast<int>(value);
  return true;
}

bool parse_query(std::string_view text, Query& out) {
  // The loop would end at a trailing '&' as if nothing followed; it is an empty pair, refused.
  if (!text.empty() && text.back() == '&') return false;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = pair.substr(eq + 1);
    if (key == "$rid") {
      if (out.has_rid || !valid_request_id(value)) return false;
      out.rid = value;
      out.has_rid = true;
    } else if (key == "$version") {
      if (out.has_version || !parse_decimal(value, out.version)) return false;
      out.has_version = true;
    } else {
      return false;
    }
  }
  return true;
}

InboundTopic parse_method_request(std::string_view rest) {
  std::string_view name;
  Query query;
  if (!next_level(rest, name) || !valid_method_name(name) || !consume(rest, "?") ||
      !parse_query(rest, query) || !query.has_rid || query.has_version) {
    return {};
  }
  InboundTopic t;
  t.kind = InboundKind::method_request;
  t.method = name;
  t.rid = query.rid;
  return t;
}

}  // namespace door::protocol::detail
