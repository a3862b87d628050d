// door-scheduler devices: the fleet view over a real broker with real agents, and the query subset.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"
#include "reserved_port.hpp"
#include "scheduler_cli.hpp"

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
  EXPECT_NE(r.output.find("door-1               yes     locked"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("floor=3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("door-2               yes     locked    closed  -        -"),
            std::string::npos)
      << r.output;
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
  EXPECT_EQ(none.output.find("door-"), std::string::npos) << none.output;
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
  EXPECT_NE(r.output.find("door-scheduler: cannot connect to the broker at ssl://localhost:"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace door::test
