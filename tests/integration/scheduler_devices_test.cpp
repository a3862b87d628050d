// door-scheduler devices: the fleet view over a real broker with real agents, and the query subset.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"
#include "reserved_port.hpp"
#include "scheduler_cli.hpp"
#include "scheduler_fixture.hpp"

namespace door::test {
namespace {

class SchedulerDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"door-1", "door-2"}) {
      door_dirs_.push_back(std::make_unique<TempDir>());
      const TempDir& dir = *door_dirs_.back();
      agents_.push_back(std::make_unique<AgentProcess>(broker_dialect_config(
          broker_.port(), id, "",
          R"("stateFile":")" + dir.file("desired.json") + "\"," + fake_door_section(dir))));
      ASSERT_TRUE(agents_.back()->wait_online()) << agents_.back()->process().output();
    }
    // door-1 is on floor 3 once it has acknowledged it.
    MqttClient service(scheduler_options(broker_));
    ASSERT_EQ(service.connect(), "");
    ASSERT_TRUE(service.subscribe("devices/door-1/twin/reported"));
    ASSERT_TRUE(
        service.publish("devices/door-1/twin/desired", R"({"$version":1,"floor":3})", 1, true));
    for (;;) {
      const auto m = service.receive(10s);
      ASSERT_TRUE(m);
      if (m->payload.find(R"("av":1)") != std::string::npos) break;
    }
  }

  CliResult scheduler(const std::vector<std::string>& args, int port = 0) {
    return cli_.run(args, port);
  }

  Broker broker_;
  SchedulerCli cli_{broker_};
  std::vector<std::unique_ptr<TempDir>> door_dirs_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
};

TEST_F(SchedulerDevices, ListsTheFleet) {
  const CliResult r = scheduler({"devices"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("door-1               yes     now       locked"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("floor=3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("door-2               yes     now       locked    closed  -        -"),
            std::string::npos)
      << r.output;
}

// Once offline devices showed their last lock state as the present one, with no age.
TEST_F(SchedulerDevices, OfflineDevicesShowWhenTheyWereLastSeen) {
  agents_[1]->process().signal(SIGTERM);  // door-2 stops cleanly: disconnectedAt is now
  ASSERT_TRUE(agents_[1]->process().wait_exit(30s));
  MqttClient service(scheduler_options(broker_));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.publish("devices/door-7/status",
                              R"({"online":false,"disconnectedAt":"2026-01-01T00:00:00Z"})", 1,
                              true));
  const CliResult r = scheduler({"devices"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "door-1               yes     now       locked")) << r.output;
  const std::string door2 = after(r.output, "door-2               no      ");
  EXPECT_TRUE((door2.rfind("now ", 0) == 0 || has(door2, "s ago")) &&
              has(door2, "(locked)  (closed)"))
      << r.output;
  const std::string door7 = after(r.output, "door-7               no      ");
  EXPECT_TRUE(!door7.empty() && std::isdigit(static_cast<unsigned char>(door7[0])) &&
              has(door7, "d ago"))
      << r.output;
  const CliResult json = scheduler({"devices", "--json", "--query", "deviceId = 'door-7'"});
  EXPECT_TRUE(has(json.output, R"("lastActivityTime":	"2026-01-01T00:00:00Z")")) << json.output;
  EXPECT_TRUE(has(json.output, R"("connectionState":	"Disconnected")")) << json.output;
}

TEST_F(SchedulerDevices, AQuerySelectsASubset) {
  const CliResult r = scheduler({"devices", "--json", "--query",
                                 "SELECT * FROM devices WHERE properties.reported.floor = 3"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(R"("deviceId":	"door-1")"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("door-2"), std::string::npos) << r.output;
  const CliResult none =
      scheduler({"devices", "--query", "deviceId IN ['door-7'] OR status.online = false"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.output.find("door-1"), std::string::npos) << none.output;
  EXPECT_EQ(none.output.find("door-2"), std::string::npos) << none.output;
  EXPECT_NE(none.output.find("warning: the query matched no device"), std::string::npos)
      << none.output;
}

TEST_F(SchedulerDevices, ADevicesOwnTextCannotForgeLinesOrMoveTheCursor) {
  MqttClient impostor(scheduler_options(broker_));
  ASSERT_EQ(impostor.connect(), "");
  ASSERT_TRUE(impostor.publish("devices/door-9/status", R"({"online":false})", 1, true));
  // An escape sequence that erases the line, then a forged line for a door that is offline.
  ASSERT_TRUE(impostor.publish(
      "devices/door-9/twin/reported",
      R"({"door":{"lock":"locked\u001b[2K\ndoor-9               yes     unlocked"},)"
      R"("note":{"value":"a\u0007b\u009bc"}})",
      1, true));
  const CliResult r = scheduler({"devices"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\a'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\ndoor-9               yes"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 4) << r.output;  // title, 3 doors
  EXPECT_NE(r.output.find(R"(locked\x1b[2K\ndoor-9)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"(note=a\x07b\u009bc)"), std::string::npos) << r.output;
}

TEST_F(SchedulerDevices, BadInputGetsOneLineAndAnExitCode) {
  CliResult r = scheduler({"devices", "--query", "floor = 3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "door-scheduler: query: unknown name 'floor' (use deviceId, "
            "properties.reported.<key>, properties.desired.<key> or status.<key>) at "
            "character 1 (see door-scheduler help)\n");
  r = scheduler({"devices", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  r = scheduler({"devices"}, ReservedPort().number());  // nothing listens there
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("door-scheduler: the broker at localhost:"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("refused the connection (nothing listens on port"), std::string::npos)
      << r.output;
}

// Once one message for all: "not reachable, or its TLS certificate is not trusted by the CA file".
TEST_F(SchedulerDevices, EachConnectionFailureIsNamed) {
  const auto devices = [](const SchedulerCli& cli, std::vector<std::string> options) {
    std::vector<std::string> argv = cli.argv({});
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("devices");
    Process p(argv);
    const auto status = p.wait_exit(60s);
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << p.output();
    const std::string output = p.output();
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
    return output;
  };
  EXPECT_NE(devices(cli_, {"--ca", "/nonexistent/ca.pem"})
                .find("cannot read the --ca file /nonexistent/ca.pem: No such file or directory"),
            std::string::npos);
  EXPECT_NE(devices(cli_, {"--broker", "no-such-host.invalid:8883"})
                .find("cannot resolve the broker's host name no-such-host.invalid"),
            std::string::npos);
  TempDir dir;
  const std::string wrong_password = dir.write("password", "not-the-password\n");
  EXPECT_NE(
      devices(cli_, {"--password-file", wrong_password}).find("refused the user name or password"),
      std::string::npos);
  Broker other_ca("server-other-ca");
  SchedulerCli other_ca_cli(other_ca);
  EXPECT_NE(devices(other_ca_cli, {}).find("is not trusted by the --ca file"), std::string::npos);
  Broker wrong_host("server-wrong-host");
  SchedulerCli wrong_host_cli(wrong_host);
  EXPECT_NE(devices(wrong_host_cli, {}).find("does not name localhost"), std::string::npos);
  // A plain MQTT port: the TLS handshake fails.
  EXPECT_NE(devices(cli_, {"--broker", "localhost:" + std::to_string(broker_.plain_port())})
                .find("the TLS handshake with the broker at localhost:"),
            std::string::npos);
}

}  // namespace
}  // namespace door::test
