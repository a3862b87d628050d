#pragma once
// Thin helpers over mbedtls, which every agent process loads for TLS already. All
// write into caller buffers and report failure instead of truncating.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "port/status.hpp"

namespace door::port {

constexpr std::size_t kSha256Bytes = 32;

Status hmac_sha256(const uint8_t* key, std::size_t key_len, std::string_view data,
                   uint8_t (&mac)[kSha256Bytes]);

// Base64 (RFC 4648, with padding, no white space). Encoding gives the number of characters
// written, without the terminating NUL it appends; decoding gives the number of bytes.
Result<std::size_t> base64_encode(const uint8_t* data, std::size_t len, char* out,
                                  std::size_t capacity);
Result<std::size_t> base64_decode(std::string_view text, uint8_t* out, std::size_t capacity);

// An entropy callback for mbedtls_ctr_drbg_seed: the kernel's random numbers (getrandom), with no
// entropy pool of mbedtls' own.
int kernel_entropy(void* unused, unsigned char* out, std::size_t length);

}  // namespace door::port
