#include "port/crypto.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/md.h>

#include "port/random.hpp"

namespace door::port {

namespace {

constexpr std::size_t kGroupChars = 4;  // one base64 group: 4 characters for 3 bytes
constexpr std::size_t kGroupBytes = 3;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Status hmac_sha256(const uint8_t* key, std::size_t key_len, std::string_view data,
                   uint8_t (&mac)[kSha256Bytes]) {
  const mbedtls_md_info_t* sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  if (sha256 == nullptr) {
    return Status::failure(Status::Code::unavailable, "this mbedtls has no SHA-256");
  }
  const int rc = mbedtls_md_hmac(sha256, key, key_len, bytes(data), data.size(), mac);
  if (rc != 0) {
    return Status::failure(Status::Code::invalid, "HMAC-SHA256 failed (mbedtls error -0x%04x)",
                           static_cast<unsigned>(-rc));
  }
  return Status::ok();
}

Result<std::size_t> base64_encode(const uint8_t* data, std::size_t len, char* out,
                                  std::size_t capacity) {
  const std::size_t chars = (len + kGroupBytes - 1) / kGroupBytes * kGroupChars;
  std::size_t written = 0;
  if (chars >= capacity || mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out), capacity,
                                                 &written, data, len) != 0) {
    return Status::failure(Status::Code::too_large,
                           "base64 of %zu bytes takes %zu characters and a NUL; there is room "
                           "for %zu",
                           len, chars, capacity);
  }
  return written;
}

// mbedtls refuses misplaced padding and characters outside the alphabet, but skips white space
// and accepts a missing final padding, which RFC 4648's strict form does not: those are checked
// here.
Result<std::size_t> base64_decode(std::string_view text, uint8_t* out, std::size_t capacity) {
  if (text.size() % kGroupChars != 0) {
    return Status::failure(Status::Code::invalid,
                           "not base64: %zu characters are not whole groups of 4", text.size());
  }
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      return Status::failure(Status::Code::invalid, "not base64: it holds white space");
    }
  }
  std::size_t written = 0;
  const int rc = mbedtls_base64_decode(out, capacity, &written, bytes(text), text.size());
  if (rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL) {
    return Status::failure(Status::Code::too_large, "base64 text decodes to more than %zu bytes",
                           capacity);
  }
  if (rc != 0) {
    return Status::failure(Status::Code::invalid,
                           "not base64: a character outside its alphabet or misplaced padding");
  }
  return written;
}

int kernel_entropy(void*, unsigned char* out, std::size_t length) {
  return fill_random(out, length) ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

}  // namespace door::port
