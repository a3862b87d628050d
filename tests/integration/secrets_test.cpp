// Secrets (device keys, SAS tokens, passwords) never appear in any output of the agent or the
// scheduler, at the most verbose log level, on success and on every kind of failure.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "scheduler_cli.hpp"

namespace door::test {
namespace {

// The secret texts, and the parts of a SAS token that are secret (its signature).
const std::vector<std::string> kSecrets = {
    kTestDeviceKey,  Broker::device_password("door-1"), "wrong-password-7f3a",
    "sig=",          "SharedAccessSignature",           Broker::kSchedulerPassword,
    "MDEyMzQ1Njc4OW"  // a prefix of the device key
};

void expect_no_secret(const std::string& what, const std::string& output) {
  ASSERT_FALSE(output.empty()) << what;
  for (const std::string& secret : kSecrets) {
    EXPECT_EQ(output.find(secret), std::string::npos) << what << " shows '" << secret << "':\n"
                                                      << output;
  }
}

TEST(Secrets, AzureDialectWithSasTokenRenewalLogsNoKeyNorToken) {
  Broker broker;
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3", R"("sasTokenSeconds":3)"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  const std::size_t after_first = agent.process().line_count();
  ASSERT_TRUE(agent.process().wait_for_output("renewing the SAS token", 10s, after_first));
  ASSERT_TRUE(agent.wait_online(10s, after_first)) << agent.process().output();
  expect_no_secret("agent", agent.process().output());
}

TEST(Secrets, AzureDialectRefusedByTheServerLogsNoKeyNorToken) {
  Broker broker("server-other-ca");
  AgentProcess agent(azure_dialect_config(broker.azure_port(), "door-3"));
  ASSERT_TRUE(agent.process().wait_for_output("cannot connect", 20s)) << agent.process().output();
  expect_no_secret("agent", agent.process().output());
}

TEST(Secrets, BrokerDialectWithAWrongPasswordLogsNoPassword) {
  Broker broker;
  const std::string config = broker_dialect_config(broker.port(), "door-1");
  AgentProcess agent(config.substr(0, config.find(Broker::device_password("door-1"))) +
                     "wrong-password-7f3a" +
                     config.substr(config.find(Broker::device_password("door-1")) +
                                   Broker::device_password("door-1").size()));
  ASSERT_TRUE(agent.process().wait_for_output("check the device's credentials", 20s))
      << agent.process().output();
  expect_no_secret("agent", agent.process().output());
}

TEST(Secrets, BrokerDialectOnlineAndStoppedLogsNoPassword) {
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  agent.process().signal(SIGTERM);
  ASSERT_TRUE(agent.process().wait_exit(10s));
  expect_no_secret("agent", agent.process().output());
}

TEST(Secrets, CheckConfigNamesProblemsWithoutQuotingSecrets) {
  TempDir dir;
  for (const std::string& connection :
       {std::string(R"("connectionString":"HostName=hub.example;DeviceId=d;SharedAccessKey=)") +
            kTestDeviceKey + R"(;Extra=1")",
        std::string(R"("connectionString":"HostName=hub.example;DeviceId=d;SharedAccessKey=)") +
            kTestDeviceKey + R"(x")",
        std::string(R"("host":"h","deviceId":"d","password":"wrong-password-7f3a","port":"x")")}) {
    const std::string path =
        dir.write("agent.json", R"({"hub":"azure","connection":{)" + connection + "}}");
    Process check({DOOR_AGENT_BINARY, "--check-config", path});
    ASSERT_TRUE(check.wait_exit(10s));
    expect_no_secret("--check-config", check.output());
  }
}

TEST(Secrets, SchedulerWithAWrongPasswordShowsNoPassword) {
  Broker broker;
  TempDir dir;
  const std::string password_file = dir.write("password", "wrong-password-7f3a\n");
  SchedulerCli cli(broker);
  std::vector<std::string> argv = cli.argv({"devices"});
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--password-file") argv[i + 1] = password_file;
  }
  Process scheduler(argv);
  ASSERT_TRUE(scheduler.wait_exit(30s));
  EXPECT_NE(scheduler.output().find("refused the user name or password"), std::string::npos)
      << scheduler.output();
  expect_no_secret("scheduler", scheduler.output());
}

}  // namespace
}  // namespace door::test
