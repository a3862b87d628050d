// door-scheduler's one-shot commands (call, twin show, twin set, monitor) against real agents on
// the fake GPIO and a real broker.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "mqtt_client.hpp"
#include "scheduler_fixture.hpp"

namespace door::test {
namespace {

using SchedulerOneShot = SchedulerFleet;

TEST_F(SchedulerOneShot, CallPrintsTheStatusAndBodyAndFailsOnAnErrorOrNoAnswer) {
  const CliResult ok = scheduler({"call", "door-1", "lockDoor", R"({"lockTime":"10m"})"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(has(ok.output, "\"status\":\t200")) << ok.output;
  EXPECT_TRUE(has(ok.output, "\"Response\":\t\"lockDoor called successfully\"")) << ok.output;
  const CliResult bad = scheduler({"call", "door-1", "lockDoor", R"({"lockTime":"soon"})"});
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_TRUE(has(bad.output, "\"status\":\t400")) << bad.output;
  const CliResult unknown = scheduler({"call", "door-1", "openSesame"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.output;
  EXPECT_TRUE(has(unknown.output, "\"status\":\t404")) << unknown.output;

  MqttClient service(scheduler_options(broker_));
  ASSERT_EQ(service.connect(), "");
  ASSERT_TRUE(service.publish("devices/door-8/status", R"({"online":false})", 1, true));
  ASSERT_TRUE(service.publish("devices/door-9/status", R"({"online":true})", 1, true));
  const CliResult offline = scheduler({"call", "door-8", "getDoorState", "--timeout", "1"});
  EXPECT_EQ(offline.exit_code, 1) << offline.output;
  EXPECT_TRUE(has(offline.output, "no answer from door-8 within 1 s: the device is offline"))
      << offline.output;
  const CliResult silent = scheduler({"call", "door-9", "getDoorState", "--timeout", "1"});
  EXPECT_EQ(silent.exit_code, 1) << silent.output;
  EXPECT_TRUE(has(silent.output, "no answer from door-9 within 1 s (IoT Hub: 504101"))
      << silent.output;
  EXPECT_EQ(scheduler({"call", "door-1"}).exit_code, 2);
  EXPECT_EQ(scheduler({"call", "door-1", "getDoorState", "{bad"}).exit_code, 2);
}

TEST_F(SchedulerOneShot, TwinSetUpdatesOneDeviceAndTwinShowShowsIt) {
  const CliResult set = scheduler({"twin", "set", "door-2", R"({"floor":7})", "--wait-ack"});
  EXPECT_EQ(set.exit_code, 0) << set.output;
  EXPECT_TRUE(has(set.output, "\"status\":\t\"completed\"")) << set.output;
  EXPECT_TRUE(has(set.output, "\"floor\":\t7")) << set.output;
  const CliResult show = scheduler({"twin", "show", "door-2"});
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_TRUE(has(show.output, "\"connectionState\":\t\"Connected\"")) << show.output;
  EXPECT_TRUE(has(show.output, "\"ac\":\t200")) << show.output;  // the acknowledgement
  // The other devices were not touched.
  EXPECT_FALSE(has(scheduler({"twin", "show", "door-1"}).output, "\"floor\"")) << show.output;
  const CliResult refused =
      scheduler({"twin", "set", "door-2", R"({"floor":"roof"})", "--wait-ack"});
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_TRUE(has(refused.output, "floor: must be a whole number")) << refused.output;
  const CliResult nobody = scheduler({"twin", "show", "door-99"});
  EXPECT_EQ(nobody.exit_code, 1) << nobody.output;
  EXPECT_TRUE(has(nobody.output, "no device door-99")) << nobody.output;
  EXPECT_EQ(scheduler({"twin", "set", "door-2"}).exit_code, 2);
}

TEST_F(SchedulerOneShot, MonitorPrintsDoorEventsAndStatusChangesAsTheyArrive) {
  Process monitor(cli_.argv({"monitor", "door-3", "--timeout", "60"}));
  ASSERT_TRUE(monitor.wait_for_output("monitoring the devices named", 30s)) << monitor.output();
  ASSERT_TRUE(fake_command(*door_dirs_["door-3"], "set DOOR active"));  // the door opens
  EXPECT_TRUE(monitor.wait_for_output("door-3               event", 30s)) << monitor.output();
  agents_["door-3"]->process().signal(SIGTERM);
  EXPECT_TRUE(monitor.wait_for_output(R"(door-3               status {"online":false)", 30s))
      << monitor.output();
  monitor.signal(SIGINT);
  const auto status = monitor.wait_exit(30s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << monitor.output();
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  // Only the devices named; the retained status from before is not news.
  EXPECT_FALSE(has(monitor.output(), "door-1")) << monitor.output();
  EXPECT_EQ(monitor.count_output("online\":true"), 0u) << monitor.output();

  // --count for scripts: ends after that many, and fails when they do not come in time.
  const CliResult none = scheduler({"monitor", "door-1", "--count", "1", "--timeout", "1"});
  EXPECT_EQ(none.exit_code, 1) << none.output;
}

}  // namespace
}  // namespace door::test
