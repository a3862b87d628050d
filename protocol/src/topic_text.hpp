#pragma once
// Small scanners shared by the two dialects' topic parsers.
#include <cstdint>
#include <string_view>

#include "protocol/topics.hpp"

namespace door::protocol::detail {

// What a formatter returns: ok, or too_large when out ran out of room.
inline port::Status written(const port::TextWriter& out) {
  return port::Status::from(out.ok(), port::Status::Code::too_large);
}

// Removes prefix from text; false (text untouched) when text does not start with it.
bool consume(std::string_view& text, std::string_view prefix);
// Splits text at the first '/', returning the level before it; false when there is no '/'.
bool next_level(std::string_view& text, std::string_view& level);
// A decimal number of at most 18 digits, no sign.
bool parse_decimal(std::string_view text, int64_t& out);
// A three-digit status code 100..599.
bool parse_status(std::string_view text, int& out);

// The query part after "?": "$rid=..&$version=..". Each key may appear once; unknown keys are
// refused so a malformed topic is never half-understood.
struct Query {
  std::string_view rid;
  int64_t version = -1;
  bool has_rid = false;
  bool has_version = false;
};
bool parse_query(std::string_view text, Query& out);

// The part of a method request topic after ".../methods/POST/": "{name}/?$rid={rid}".
InboundTopic parse_method_request(std::string_view rest);

}  // namespace door::protocol::detail
