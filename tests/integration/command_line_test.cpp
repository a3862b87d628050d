// Start-up errors end the process with a one-line reason and exit code 2.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.hpp"
#include "temp_dir.hpp"

namespace door::test {
namespace {

struct StartupCase {
  const char* name;
  const char* config;  // nullptr: no file at all
  const char* message;
  friend void PrintTo(const StartupCase& c, std::ostream* out) { *out << c.name; }
};

class StartupError : public ::testing::TestWithParam<StartupCase> {};

TEST_P(StartupError, ExitsWithOneLineNamingTheProblem) {
  TempDir dir;
  const std::string path = GetParam().config != nullptr ? dir.write("agent.json", GetParam().config)
                                                        : dir.file("missing.json");
  Process agent({DOOR_AGENT_BINARY, "--config", path});
  const auto status = agent.wait_exit(10s);
  ASSERT_TRUE(status);
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_EQ(agent.line_count(), 1u) << agent.output();
  EXPECT_NE(agent.output().find(GetParam().message), std::string::npos) << agent.output();
}

INSTANTIATE_TEST_SUITE_P(
    Config, StartupError,
    ::testing::Values(
        StartupCase{"missing_file", nullptr, "No such file or directory"},
        StartupCase{"broken_json", "{\"hub\":\"mqtt\",\n  \"connection\": {,}}",
                    "not valid JSON (near line 2, column 19)"},
        StartupCase{"not_an_object", "[1,2]", "the top level must be an object"},
        StartupCase{"unknown_dialect", R"({"hub":"amqp","connection":{}})", "unknown hub \"amqp\""},
        StartupCase{
            "unreadable_ca",
            R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d","password":"p","caFile":"/nonexistent/ca.pem"}})",
            "connection.caFile: cannot read /nonexistent/ca.pem: No such file or directory"},
        StartupCase{
            "unreadable_key",
            R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d","clientCertFile":"/dev/null","clientKeyFile":"/nonexistent/client.key"}})",
            "connection.clientKeyFile: cannot read /nonexistent/client.key: No such file or "
            "directory"},
        StartupCase{
            "wrong_type",
            R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d","password":"p","port":"8883"}})",
            "connection.port: must be a whole number"},
        StartupCase{"unknown_key", R"({"hub":"mqtt","conection":{}})", "unknown key \"conection\""},
        StartupCase{"bad_device_id",
                    R"({"hub":"mqtt","connection":{"host":"h","deviceId":"a/b","password":"p"}})",
                    "connection.deviceId"},
        StartupCase{
            "module_connection_string",
            R"({"hub":"azure","connection":{"connectionString":"HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=a2V5"}})",
            "module identities"},
        StartupCase{"no_credentials", R"({"hub":"mqtt","connection":{"host":"h","deviceId":"d"}})",
                    "give a password or clientCertFile"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CommandLine, UnknownOptionIsRefused) {
  Process agent({DOOR_AGENT_BINARY, "--frobnicate"});
  const auto status = agent.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(agent.output().find("unknown or incomplete option '--frobnicate'"), std::string::npos);
}

TEST(CommandLine, CheckConfigNamesEveryProblem) {
  TempDir dir;
  const std::string path = dir.write(
      "agent.json",
      R"({"hub":"mqtt","conection":{},"logLevel":"loud","door":{"lock":{"line":"L"},"failMode":"fire"}})");
  Process agent({DOOR_AGENT_BINARY, "--check-config", path});
  const auto status = agent.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_EQ(agent.output(), "door-agent: " + path + " has 4 problems:\n  " + path +
                                ": top level: unknown key \"conection\"\n  " + path +
                                ": logLevel: use error, warning, notice, info or debug\n  " + path +
                                ": connection: required, an object\n  " + path +
                                ": door.failMode: use one of \"secure\", \"safe\"\n");
}

TEST(CommandLine, CheckConfigSummarisesAValidFile) {
  TempDir dir;
  const std::string path = dir.write(
      "agent.json",
      R"({"hub":"mqtt","connection":{"host":"broker.example","deviceId":"door-1","password":"p"},)"
      R"("door":{"lock":{"line":"GPIO17"}}})");
  Process agent({DOOR_AGENT_BINARY, "--check-config", path});
  const auto status = agent.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << agent.output();
  EXPECT_EQ(agent.output(), path +
                                ": valid. MQTT hub, device door-1, server broker.example:8883, "
                                "server certificate verified; door: lock on GPIO17 of "
                                "/dev/gpiochip0; desired properties in "
                                "/var/lib/door-agent/desired.json\n");
  EXPECT_EQ(agent.output().find("\"p\""), std::string::npos);  // no secrets
}

// mbedtls 2.28 matches a server's certificate by DNS name only (an IP address in the certificate is
// not looked at): a host given as an IP address would fail every connection, and the way out is a
// name, not verifyServer false.
TEST(CommandLine, CheckConfigRefusesAnIpAddressHostTheTlsLibraryCannotVerify) {
  TempDir dir;
  for (const std::string host : {"192.0.2.7", "127.1", "2001:db8::7"}) {
    const std::string path = dir.write(
        "agent.json", R"({"hub":"mqtt","connection":{"host":")" + host +
                          R"(","deviceId":"door-1","password":"p"},"door":{"lock":{"line":"L"}}})");
    Process agent({DOOR_AGENT_BINARY, "--check-config", path});
    const auto status = agent.wait_exit(10s);
    ASSERT_TRUE(status && WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 1) << agent.output();
    EXPECT_NE(agent.output().find("connection.host: " + host +
                                  " is an IP address, which this agent's TLS library (mbedtls "),
              std::string::npos)
        << agent.output();
    EXPECT_NE(agent.output().find("give a DNS name the certificate carries"), std::string::npos)
        << agent.output();
  }
}

// The board makes its own key: the CSR goes to standard output, the key stays in its file, and a
// key that is there is never replaced without --rekey.
TEST(CommandLine, MakeCsrPrintsTheRequestAndKeepsTheKey) {
  TempDir dir;
  const std::string key = dir.file("client.key");
  Process made({DOOR_AGENT_BINARY, "--make-csr", "door.1", "--key", key});
  auto status = made.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << made.output();
  EXPECT_NE(made.output().find("-----BEGIN CERTIFICATE REQUEST-----"), std::string::npos);
  EXPECT_EQ(made.output().find("PRIVATE KEY"), std::string::npos) << "the key was printed";
  EXPECT_NE(made.output().find("door-agent: new key in " + key), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077 & ~0040, 0u) << "the key is readable by others";

  Process again({DOOR_AGENT_BINARY, "--make-csr", "door.1", "--key", key});
  status = again.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_EQ(again.output(), "door-agent: " + key +
                                " is there already: --rekey replaces it with a new key (its "
                                "certificate then needs door-fleet sign --rekey)\n");

  Process rekeyed({DOOR_AGENT_BINARY, "--make-csr", "door.1", "--key", key, "--rekey"});
  status = rekeyed.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << rekeyed.output();
}

TEST(CommandLine, MakeCsrRefusesABadIdAndStrayKeyOptions) {
  TempDir dir;
  Process bad({DOOR_AGENT_BINARY, "--make-csr", "door/1", "--key", dir.file("client.key")});
  auto status = bad.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_EQ(bad.output(),
            "door-agent: a device id is 1 to 128 letters, digits or -._:@, not \"door/1\"\n");
  EXPECT_NE(access(dir.file("client.key").c_str(), F_OK), 0);

  Process stray({DOOR_AGENT_BINARY, "--rekey"});
  status = stray.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_EQ(stray.output(), "door-agent: --key and --rekey go with --make-csr (see --help)\n");
}

TEST(CommandLine, VersionPrintsTheVersion) {
  Process agent({DOOR_AGENT_BINARY, "--version"});
  const auto status = agent.wait_exit(10s);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(agent.output(), "door-agent " DOOR_AGENT_VERSION "\n");
}

}  // namespace
}  // namespace door::test
