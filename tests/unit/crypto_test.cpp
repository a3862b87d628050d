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
  const Status made = hmac_sha256(reinterpret_cast<const uint8_t*>(key.data()), key.size(),
                                  "what do ya want for nothing?", mac);
  ASSERT_TRUE(made.is_ok()) << made.reason();
  EXPECT_EQ(hex(mac, sizeof mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64RoundTripsRfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    char out[16];
    const Result<std::size_t> chars = base64_encode(reinterpret_cast<const uint8_t*>(plain[i]),
                                                    std::strlen(plain[i]), out, sizeof out);
    ASSERT_TRUE(chars.is_ok()) << chars.status().reason();
    EXPECT_EQ(std::string(out, chars.value()), encoded[i]);
    uint8_t back[16];
    const Result<std::size_t> bytes = base64_decode(encoded[i], back, sizeof back);
    ASSERT_TRUE(bytes.is_ok()) << bytes.status().reason();
    EXPECT_EQ(std::string(reinterpret_cast<char*>(back), bytes.value()), plain[i]);
  }
}

TEST(Crypto, Base64RefusesInvalidInputAndSmallBuffers) {
  uint8_t out[16];
  for (const char* bad : {"Zm9v*", "Zm9", "Zm=v", "Zg==Zm9v", "Zg===", " Zm9v", "Zm9v\n"}) {
    EXPECT_EQ(base64_decode(bad, out, sizeof out).status(), Status::invalid()) << bad;
  }
  EXPECT_EQ(base64_decode("Zm9vYmFy", out, 3).status(), Status::too_large());
  const Result<std::size_t> padded = base64_decode("Zm9vYg==", out, 4);  // padding needs no room
  ASSERT_TRUE(padded.is_ok());
  EXPECT_EQ(padded.value(), 4u);
  char text[4];
  EXPECT_EQ(base64_encode(reinterpret_cast<const uint8_t*>("foo"), 3, text, sizeof text).status(),
            Status::too_large());
}

TEST(Crypto, EachBase64RefusalSaysWhy) {
  uint8_t out[16];
  EXPECT_STREQ(base64_decode("Zm9", out, sizeof out).status().reason(),
               "not base64: 3 characters are not whole groups of 4");
  EXPECT_STREQ(base64_decode("Zm9v\nZm9", out, sizeof out).status().reason(),
               "not base64: it holds white space");
  EXPECT_STREQ(base64_decode("Zm9v*A==", out, sizeof out).status().reason(),
               "not base64: a character outside its alphabet or misplaced padding");
  EXPECT_STREQ(base64_decode("Zm9vYmFy", out, 3).status().reason(),
               "base64 text decodes to more than 3 bytes");
  char text[4];
  EXPECT_STREQ(base64_encode(reinterpret_cast<const uint8_t*>("foo"), 3, text, sizeof text)
                   .status()
                   .reason(),
               "base64 of 3 bytes takes 4 characters and a NUL; there is room for 4");
}

}  // namespace
}  // namespace door::port
