#include "port/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <cstring>

namespace door::port {

namespace {

constexpr std::size_t kGroupChars = 4;  // one base64 group: 4 characters for 3 bytes
constexpr std::size_t kGroupBytes = 3;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// How many '=' end `text`, or -1 when '=' appears anywhere else.
int padding_of(std::string_view text) {
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  return text.find('=') < text.size() - padding ? -1 : static_cast<int>(padding);
}

}  // namespace

bool hmac_sha256(const uint8_t* key, std::size_t key_len, std::string_view data,
                 uint8_t (&mac)[kSha256Bytes]) {
  unsigned int mac_len = 0;
  return key_len <= INT_MAX &&
         HMAC(EVP_sha256(), key, static_cast<int>(key_len), bytes(data), data.size(), mac,
              &mac_len) != nullptr &&
         mac_len == kSha256Bytes;
}

bool base64_encode(const uint8_t* data, std::size_t len, char* out, std::size_t capacity,
                   std::size_t* written) {
  const std::size_t chars = (len + kGroupBytes - 1) / kGroupBytes * kGroupChars;
  if (chars >= capacity || len > INT_MAX) return false;
  *written = static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out), data, static_cast<int>(len)));
  return true;
}

// OpenSSL decodes every group to 3 bytes, reading '=' as zero bits and trimming white space, so
// each group is decoded on its own: the padding is checked here, and the bytes it stands for are
// neither counted nor written past `capacity`.
bool base64_decode(std::string_view text, uint8_t* out, std::size_t capacity,
                   std::size_t* written) {
  const int padding = padding_of(text);
  if (text.size() % kGroupChars != 0 || padding < 0) return false;
  std::size_t n = 0;
  for (std::size_t at = 0; at < text.size(); at += kGroupChars) {
    unsigned char group[kGroupBytes];
    if (EVP_DecodeBlock(group, bytes(text.substr(at, kGroupChars)), kGroupChars) !=
        static_cast<int>(kGroupBytes)) {
      return false;
    }
    const bool last = at + kGroupChars == text.size();
    const std::size_t take = kGroupBytes - (last ? static_cast<std::size_t>(padding) : 0);
    if (n + take > capacity) return false;
    std::memcpy(out + n, group, take);
    n += take;
  }
  *written = n;
  return true;
}

}  // namespace door::port
