#include "port/crypto.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace door::port {
namespace {

std::string hex(const uint8_t* data, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xF];
  }
  return out;
}

TEST(Crypto, HmacSha256Rfc4231Case2) {
  const std::string key = "Jefe";
  uint8_t mac[kSha256Bytes];
  ASSERT_TRUE(hmac_sha256(reinterpret_cast<const uint8_t*>(key.data()), key.size(),
                          "what do ya want for nothing?", mac));
  EXPECT_EQ(hex(mac, sizeof mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64RoundTripsRfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    char out[16];
    std::size_t n = 0;
    ASSERT_TRUE(base64_encode(reinterpret_cast<const uint8_t*>(plain[i]), std::strlen(plain[i]),
                              out, sizeof out, &n));
    EXPECT_EQ(std::string(out, n), encoded[i]);
    uint8_t back[16];
    ASSERT_TRUE(base64_decode(encoded[i], back, sizeof back, &n));
    EXPECT_EQ(std::string(reinterpret_cast<char*>(back), n), plain[i]);
  }
}

TEST(Crypto, Base64RefusesInvalidInputAndSmallBuffers) {
  uint8_t out[16];
  std::size_t n = 0;
  EXPECT_FALSE(base64_decode("Zm9v*", out, sizeof out, &n));
  EXPECT_FALSE(base64_decode("Zm9vYmFy", out, 3, &n));
  EXPECT_FALSE(base64_decode("Zm9", out, sizeof out, &n));       // not whole groups
  EXPECT_FALSE(base64_decode("Zm=v", out, sizeof out, &n));      // padding inside
  EXPECT_FALSE(base64_decode("Zg==Zm9v", out, sizeof out, &n));  // padding before the end
  EXPECT_FALSE(base64_decode("Zg===", out, sizeof out, &n));
  EXPECT_FALSE(base64_decode(" Zm9v", out, sizeof out, &n));  // white space
  EXPECT_FALSE(base64_decode("Zm9v\n", out, sizeof out, &n));
  ASSERT_TRUE(base64_decode("Zm9vYg==", out, 4, &n));  // the padding needs no room
  EXPECT_EQ(n, 4u);
  char text[4];
  EXPECT_FALSE(base64_encode(reinterpret_cast<const uint8_t*>("foo"), 3, text, sizeof text, &n));
}

}  // namespace
}  // namespace door::port
