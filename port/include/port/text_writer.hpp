#pragma once
// Appends text into a caller-owned fixed buffer. Never truncates: once something does not fit, the
// writer is marked failed and ok() stays false, so a half-written topic or payload is never sent.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace door::port {

class TextWriter {
 public:
  TextWriter(char* buffer, std::size_t capacity);

  TextWriter& add(std::string_view text);
  TextWriter& add(char c);
  TextWriter& add_uint(uint64_t value);
  TextWriter& add_int(int64_t value);
  // Percent-encodes everything but RFC 3986 unreserved characters (uppercase hex).
  TextWriter& add_url_encoded(std::string_view text);
  // The inside of a JSON string: quotes, backslashes and control characters escaped.
  TextWriter& add_json_escaped(std::string_view text);

  bool ok() const { return ok_; }
  std::size_t size() const { return size_; }
  // The text written so far; the buffer is always NUL-terminated when capacity > 0.
  std::string_view view() const { return {buffer_, size_}; }
  const char* c_str() const { return buffer_; }
  void clear();

 private:
  char* buffer_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  bool ok_;
};

}  // namespace door::port
