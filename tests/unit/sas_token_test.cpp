#include "agent/sas_token.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace door::agent {
namespace {

// The signature as openssl computes it: HMAC-SHA256 keyed with the decoded key, over
// "<url-encoded resource>\n<expiry>", base64-encoded, then url-encoded.
std::string signature_from_openssl(const std::string& key_hex, const std::string& resource,
                                   const std::string& expiry) {
  const std::string command = "printf '%s\\n%s' '" + resource + "' '" + expiry +
                              "' | openssl dgst -sha256 -mac HMAC -macopt hexkey:" + key_hex +
                              " -binary | openssl base64 -A";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string base64;
  char buf[128];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) base64 += buf;
  pclose(pipe);
  std::string encoded;
  for (char c : base64) {
    if (c == '+')
      encoded += "%2B";
    else if (c == '/')
      encoded += "%2F";
    else if (c == '=')
      encoded += "%3D";
    else if (c != '\n')
      encoded += c;
  }
  return encoded;
}

TEST(SasToken, MatchesATokenComputedByOpenssl) {
  // base64 of the 32 ASCII bytes "0123456789abcdef0123456789abcdef"
  const char* key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  const std::string key_hex = "3031323334353637383961626364656630313233343536373839616263646566";
  const std::string resource = "myhub.azure-devices.net%2Fdevices%2Fdoor-1";
  const std::string signature = signature_from_openssl(key_hex, resource, "1800000000");
  ASSERT_FALSE(signature.empty());

  char buf[512];
  port::TextWriter token(buf, sizeof buf);
  const port::Status made =
      make_sas_token("myhub.azure-devices.net", "door-1", key, 1800000000, token);
  ASSERT_TRUE(made.is_ok()) << made.reason();
  EXPECT_EQ(token.view(),
            "SharedAccessSignature sr=" + resource + "&sig=" + signature + "&se=1800000000");
}

TEST(SasToken, ATokenThatCannotBeMadeSaysWhy) {
  char buf[512];
  port::TextWriter token(buf, sizeof buf);
  const port::Status bad_key = make_sas_token("h", "d", "not base64!", 1, token);
  EXPECT_EQ(bad_key, port::Status::invalid());
  EXPECT_STREQ(bad_key.reason(),
               "the SharedAccessKey: not base64: 11 characters are not whole groups of 4");
  const port::Status empty_key = make_sas_token("h", "d", "", 1, token);
  EXPECT_EQ(empty_key, port::Status::invalid());
  EXPECT_STREQ(empty_key.reason(), "the SharedAccessKey is empty");
  EXPECT_EQ(token.size(), 0u);  // nothing written for a token that could not be made

  const char* key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  char small[40];
  port::TextWriter short_token(small, sizeof small);
  const port::Status no_room =
      make_sas_token("myhub.azure-devices.net", "door-1", key, 1, short_token);
  EXPECT_EQ(no_room, port::Status::too_large());
  EXPECT_STREQ(no_room.reason(), "the SAS token does not fit in its buffer");
  const std::string long_host(2100, 'h');
  const port::Status long_resource = make_sas_token(long_host, "door-1", key, 1, token);
  EXPECT_EQ(long_resource, port::Status::too_large());
  EXPECT_NE(std::string(long_resource.reason()).find("resource"), std::string::npos);
}

}  // namespace
}  // namespace door::agent
