#include "port/status.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace door::port {

namespace {

constexpr char kCutMark[] = "...";

// Formats into out (capacity >= sizeof kCutMark); text that does not fit is cut and ends in "...".
void format_reason(char* out, std::size_t capacity, const char* format, va_list args) {
  const int n = std::vsnprintf(out, capacity, format, args);
  if (n < 0) {
    out[0] = '\0';
  } else if (static_cast<std::size_t>(n) >= capacity) {
    std::memcpy(out + capacity - sizeof kCutMark, kCutMark, sizeof kCutMark);
  }
}

}  // namespace

Status Status::failure(Code code, const char* format, ...) {
  Status status(code);
  va_list args;
  va_start(args, format);
  format_reason(status.reason_, sizeof status.reason_, format, args);
  va_end(args);
  return status;
}

Status Status::system_error(Code code, int error_number, const char* format, ...) {
  char buffer[128];
  // GNU strerror_r: thread-safe, and it may return a static text instead of filling buffer.
  const char* system_text = strerror_r(error_number, buffer, sizeof buffer);
  // The subject is cut, if need be, so that the system's text after it is always whole.
  const std::size_t system_length = std::strlen(system_text) + 2;  // ": " and the text
  char what[kStatusReasonBytes];
  const std::size_t room = sizeof what - system_length;
  va_list args;
  va_start(args, format);
  format_reason(what, room, format, args);
  va_end(args);
  Status status = failure(code, "%s: %s", what, system_text);
  status.error_number_ = error_number;
  return status;
}

const char* Status::text() const {
  switch (code_) {
    case Code::ok: return "ok";
    case Code::invalid: return "invalid";
    case Code::too_large: return "too large";
    case Code::full: return "full";
    case Code::unavailable: return "unavailable";
    case Code::io_error: return "input/output error";
  }
  return "unknown";
}

}  // namespace door::port
