#pragma once
// Parses one whole JSON document from the network or a file, stricter than cJSON alone: text after
// the document is refused (cJSON stops at the end of the first value), and so is a NUL character,
// raw or escaped as \u0000, which would silently cut a C string short. An object that names a
// member twice is refused too: cJSON keeps both and lookups find the first, so a reader and a
// writer of the same text could see different values.
//
// cJSON keeps a number only as a double. Each number of a parsed document also has its text as
// written in valuestring (allocated through cJSON's hooks), so exact integers ($version) and
// numbers a double cannot hold can be told apart; a number changed after parsing
// (cJSON_SetNumberValue) keeps its old text. Nothing here allocates but through cJSON.
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "port/status.hpp"

namespace door::protocol {

enum class RepeatedMembers {
  refuse,  // the whole document is refused
  keep,    // the caller checks them (find_repeated_member), for example to refuse one key
};

// Why a text was refused.
struct JsonRefusal {
  std::size_t offset = 0;        // the byte where the text stopped being acceptable
  bool repeated_member = false;  // an object names a member twice
  // That member's name when it is printable ASCII of at most 64 bytes, else empty.
  char member[65] = "";
};

// The parsed document (free it with cJSON_Delete), or nullptr with the reason in refusal.
cJSON* parse_json_document(std::string_view text, JsonRefusal* refusal = nullptr,
                           RepeatedMembers repeated = RepeatedMembers::refuse);

// The first member, in item or at any depth below it (only among item's own members when not
// nested), whose name an earlier member of the same object already has; nullptr when none.
const cJSON* find_repeated_member(const cJSON* item, bool nested = true);

// An integer written without fraction or exponent, read from its text: invalid for anything else,
// too_large when it does not fit in 64 bits.
port::Result<int64_t> exact_integer(const cJSON* item);

// The first number in item or at any depth below it that cJSON would not print back with the value
// it was written with (more than 15 significant digits, or beyond the normal range of a double);
// nullptr when none.
const cJSON* find_inexact_number(const cJSON* item);

}  // namespace door::protocol
