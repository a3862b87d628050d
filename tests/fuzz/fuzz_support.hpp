#pragma once
// What the fuzz targets share: the input as text, invariant checks, and a quiet log.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "port/log.hpp"

namespace door::fuzz {

inline std::string_view as_text(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An invariant of the code under test: a violation is a crash libFuzzer reports and keeps.
inline void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

// A one-line message: no line breaks or other control characters that move the cursor.
inline bool one_line(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

// Errors only: the code under test logs every refusal, which would drown libFuzzer's output.
struct QuietLog {
  QuietLog() { port::set_log_level(port::Level::error); }
};

}  // namespace door::fuzz
