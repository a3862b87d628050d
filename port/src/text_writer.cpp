#include "port/text_writer.hpp"

#include <cstring>

namespace door::port {

TextWriter::TextWriter(char* buffer, std::size_t capacity)
    : buffer_(buffer), capacity_(capacity), ok_(capacity > 0) {
  if (capacity_ > 0) buffer_[0] = '\0';
}

void TextWriter::clear() {
  size_ = 0;
  ok_ = capacity_ > 0;
  if (capacity_ > 0) buffer_[0] = '\0';
}

TextWriter& TextWriter::add(std::string_view text) {
  if (!ok_) return *this;
  if (text.size() >= capacity_ - size_) {  // keep room for the NUL
    ok_ = false;
    return *this;
  }
  std::memcpy(buffer_ + size_, text.data(), text.size());
  size_ += text.size();
  buffer_[size_] = '\0';
  return *this;
}

TextWriter& TextWriter::add(char c) {
  return add(std::string_view(&c, 1));
}

TextWriter& TextWriter::add_uint(uint64_t value) {
  char digits[20];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[20];
  for (std::size_t i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  return add(std::string_view(text, n));
}

TextWriter& TextWriter::add_int(int64_t value) {
  if (value >= 0) return add_uint(static_cast<uint64_t>(value));
  add('-');
  return add_uint(static_cast<uint64_t>(-(value + 1)) + 1);
}

namespace {
constexpr char kHex[] = "0123456789ABCDEF";
}  // namespace

TextWriter& TextWriter::add_url_encoded(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '_' || u == '.' || u == '~';
    if (unreserved) {
      add(c);
    } else {
      const char encoded[3] = {'%', kHex[u >> 4], kHex[u & 0xF]};
      add(std::string_view(encoded, 3));
    }
  }
  return *this;
}

TextWriter& TextWriter::add_json_escaped(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      add('\\').add(c);
    } else if (u < 0x20) {
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xF]};
      add(std::string_view(escaped, 6));
    } else {
      add(c);
    }
  }
  return *this;
}

}  // namespace door::port
