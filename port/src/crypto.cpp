#include "port/crypto.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>

namespace door::port {

namespace {

constexpr std::size_t kGroupChars = 4;  // one base64 group: 4 characters for 3 bytes
constexpr std::size_t kGroupBytes = 3;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

bool hmac_sha256(const uint8_t* key, std::size_t key_len, std::string_view data,
                 uint8_t (&mac)[kSha256Bytes]) {
  const mbedtls_md_info_t* sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  return sha256 != nullptr &&
         mbedtls_md_hmac(sha256, key, key_len, bytes(data), data.size(), mac) == 0;
}

bool base64_encode(const uint8_t* data, std::size_t len, char* out, std::size_t capacity,
                   std::size_t* written) {
  const std::size_t chars = (len + kGroupBytes - 1) / kGroupBytes * kGroupChars;
  if (chars >= capacity) return false;
  return mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out), capacity, written, data,
                               len) == 0;
}

// mbedtls refuses misplaced padding and characters outside the alphabet, but skips white space
// and accepts a missing final padding, which RFC 4648's strict form does not: those are checked
// here.
bool base64_decode(std::string_view text, uint8_t* out, std::size_t capacity,
                   std::size_t* written) {
  if (text.size() % kGroupChars != 0) return false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  }
  return mbedtls_base64_decode(out, capacity, written, bytes(text), text.size()) == 0;
}

}  // namespace door::port
