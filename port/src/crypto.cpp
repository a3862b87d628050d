#include "port/crypto.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>

namespace door::port {

namespace {
const mbedtls_md_info_t* sha256_info() {
  return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}
const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

bool sha256(std::string_view data, uint8_t (&digest)[kSha256Bytes]) {
  return mbedtls_md(sha256_info(), bytes(data), data.size(), digest) == 0;
}

bool hmac_sha256(const uint8_t* key, std::size_t key_len, std::string_view data,
                 uint8_t (&mac)[kSha256Bytes]) {
  return mbedtls_md_hmac(sha256_info(), key, key_len, bytes(data), data.size(), mac) == 0;
}

bool base64_encode(const uint8_t* data, std::size_t len, char* out, std::size_t capacity,
                   std::size_t* written) {
  return mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out), capacity, written, data,
                               len) == 0;
}

bool base64_decode(std::string_view text, uint8_t* out, std::size_t capacity,
                   std::size_t* written) {
  return mbedtls_base64_decode(out, capacity, written, bytes(text), text.size()) == 0;
}

}  // namespace door::port
