#include "agent/connection_string.hpp"
#include "unit_test_support.hpp"

#include <gtest/gtest.h>

namespace door::agent {
namespace {

// The parts in out and an empty error, or the reason in error: what these tests check.
bool parse(std::string_view text, ConnectionString& out, std::string& error) {
  return test::take_result(parse_connection_string(text), out, error);
}

TEST(ConnectionString, ParsesADeviceConnectionString) {
  ConnectionString cs;
  std::string error;
  ASSERT_TRUE(
      parse("HostName=myhub.azure-devices.net;DeviceId=door-1;SharedAccessKey=a2V5a2V5a2V5a2U=", cs,
            error))
      << error;
  EXPECT_EQ(cs.host_name, "myhub.azure-devices.net");
  EXPECT_EQ(cs.device_id, "door-1");
  EXPECT_EQ(cs.shared_access_key, "a2V5a2V5a2V5a2U=");  // '=' inside a value is kept
  EXPECT_FALSE(cs.x509);
}

TEST(ConnectionString, AcceptsGatewayX509AndReadyTokens) {
  ConnectionString cs;
  std::string error;
  ASSERT_TRUE(parse("HostName=h;DeviceId=d;x509=true;GatewayHostName=edge;", cs, error)) << error;
  EXPECT_TRUE(cs.x509);
  EXPECT_EQ(cs.gateway_host_name, "edge");
  ASSERT_TRUE(
      parse("HostName=h;DeviceId=d;SharedAccessSignature=SharedAccessSignature "
            "sr=h%2Fdevices%2Fd&sig=x&se=1",
            cs, error))
      << error;
  EXPECT_EQ(cs.shared_access_signature, "SharedAccessSignature sr=h%2Fdevices%2Fd&sig=x&se=1");
}

TEST(ConnectionString, RefusesWithAReasonAndNeverEchoesTheKey) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : {
           Case{"", "HostName and DeviceId are required"},
           Case{"HostName=h;SharedAccessKey=a2V5", "HostName and DeviceId are required"},
           Case{"HostName=h;DeviceId=d", "exactly one of"},
           Case{"HostName=h;DeviceId=d;SharedAccessKey=a2V5;x509=true", "exactly one of"},
           Case{"HostName=h;DeviceId=d;SharedAccessKey=not*base64", "not valid base64"},
           Case{"HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=a2V5", "module identities"},
           Case{"HostName=h;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5", "hub policy"},
           Case{"HostName=h;HostName=i;DeviceId=d;SharedAccessKey=a2V5", "more than once"},
           Case{"HostName=h;DeviceId=;SharedAccessKey=a2V5", "DeviceId is empty"},
           Case{"HostName=h;DeviceId=a/b;SharedAccessKey=a2V5", "DeviceId has characters"},
           Case{"HostName=h;DeviceId=d;SharedAccessKey=a2V5;Colour=blue", "unknown key 'Colour'"},
           Case{"HostName=h;DeviceId=d;x509=yes", "x509=true"},
           Case{"garbage", "Key=Value"},
       }) {
    ConnectionString cs;
    std::string error;
    EXPECT_FALSE(parse(c.text, cs, error)) << c.text;
    EXPECT_NE(error.find(c.reason), std::string::npos) << c.text << " -> " << error;
    EXPECT_EQ(error.find("a2V5"), std::string::npos) << error;
  }
}

// Found by fuzzing: the reason quoted a key with a line break, and a host name too long for a SAS
// token was accepted, so the agent started and then failed at every connect.
TEST(ConnectionString, RefusesWhatItCannotUseOrShowOnOneLine) {
  ConnectionString cs;
  std::string error;
  EXPECT_FALSE(parse("HostName=h;DeviceId=d;SharedAccessKey=a2V5;Col\nour=1", cs, error));
  EXPECT_EQ(error, "connection string: unknown key (not printable text)");
  for (const std::string& host :
       {std::string(254, 'h'), std::string("hub/x"), std::string("h b")}) {
    EXPECT_FALSE(parse("HostName=" + host + ";DeviceId=d;SharedAccessKey=a2V5", cs, error)) << host;
    EXPECT_NE(error.find("HostName and GatewayHostName are host names"), std::string::npos)
        << error;
  }
  EXPECT_FALSE(parse("HostName=h;DeviceId=d;x509=true;GatewayHostName=a:1", cs, error));
  EXPECT_TRUE(
      parse("HostName=" + std::string(253, 'h') + ";DeviceId=d;SharedAccessKey=a2V5", cs, error))
      << error;
}

}  // namespace
}  // namespace door::agent
