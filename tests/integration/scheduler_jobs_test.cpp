// door-scheduler jobs end to end: real agents on the fake GPIO, a real broker, the real scheduler
// process with its SQLite store.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <ctime>

#include "scheduler/fleet.hpp"

#include "mqtt_client.hpp"
#include "reserved_port.hpp"
#include "scheduler_fixture.hpp"

namespace door::test {
namespace {

using scheduler::JsonDocument;

using SchedulerJobs = SchedulerFleet;

TEST_F(SchedulerJobs, AMethodJobRunsOnTheDevicesTheQuerySelects) {
  const CliResult r = scheduler({"schedule", "method", "--query", "deviceId IN ['door-1','door-2']",
                                 "--method", "lockDoor", "--payload", R"({"lockTime":"10m"})",
                                 "--id", "lock-two", "--wait", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, R"("status":	"completed")")) << r.output;
  EXPECT_TRUE(has(r.output, R"("deviceCount":	2)")) << r.output;
  EXPECT_TRUE(has(r.output, R"("succeededCount":	2)")) << r.output;
  EXPECT_TRUE(has(r.output, R"("Response":	"lockDoor called successfully")")) << r.output;
  EXPECT_FALSE(has(r.output, "door-3")) << r.output;
  const CliResult job = scheduler({"job", "lock-two"});
  EXPECT_TRUE(has(job.output, "job lock-two completed: deviceCount 2, succeeded 2, failed 0"))
      << job.output;
}

TEST_F(SchedulerJobs, ATwinJobWaitsForEachAcknowledgement) {
  const CliResult r = scheduler({"schedule", "twin", "--query", "SELECT * FROM devices", "--patch",
                                 R"({"building":43,"floor":3})", "--wait-ack", "--wait"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "completed: deviceCount 3, succeeded 3, failed 0")) << r.output;
  const CliResult floor3 = scheduler({"devices", "--query", "properties.reported.floor = 3"});
  for (const char* id : {"door-1", "door-2", "door-3"}) EXPECT_TRUE(has(floor3.output, id));
  // A refused value fails that device, with the device's reason.
  const CliResult bad = scheduler({"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch",
                                   R"({"floor":"roof"})", "--wait-ack", "--wait"});
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_TRUE(has(bad.output, "door-1               failed    400 floor: must be a whole number"))
      << bad.output;
}

TEST_F(SchedulerJobs, AnOfflineDeviceFailsWithAReasonAndASilentOneTimesOut) {
  agents_["door-2"]->process().signal(SIGTERM);
  ASSERT_TRUE(agents_["door-2"]->process().wait_exit(10s));
  MqttClient impostor(scheduler_options(broker_));  // door-9: online, but never answers
  ASSERT_EQ(impostor.connect(), "");
  ASSERT_TRUE(impostor.publish("devices/door-9/status", R"({"online":true})", 1, true));
  const CliResult r = scheduler({"schedule", "method", "--query", "SELECT * FROM devices",
                                 "--method", "getDoorState", "--timeout", "2", "--wait"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_TRUE(has(r.output, "door-2               failed    404 the device is offline"))
      << r.output;
  EXPECT_TRUE(has(r.output, "door-9               failed    504 no answer within 2 s")) << r.output;
  EXPECT_TRUE(has(r.output, "deviceCount 4, succeeded 2, failed 2")) << r.output;
}

TEST_F(SchedulerJobs, ACancelledJobNeverRuns) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "SELECT * FROM devices", "--method",
                       "unlockDoor", "--in", "1h", "--id", "later"})
                .exit_code,
            0);
  const CliResult cancel = scheduler({"cancel", "later"});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_EQ(scheduler({"cancel", "later"}).exit_code, 1);  // nothing left to cancel
  EXPECT_TRUE(has(scheduler({"job", "later"}).output, "job later cancelled"));
}

TEST_F(SchedulerJobs, AJobScheduledBeforeARestartRunsUnderServe) {
  ASSERT_EQ(
      scheduler({"schedule", "method", "--query", "deviceId = 'door-3'", "--method", "unlockDoor",
                 "--payload", R"({"unlockTime":"1h"})", "--in", "2s", "--id", "after-restart"})
          .exit_code,
      0);  // that scheduler process has ended
  Process serve(cli_.argv({"serve"}));
  ASSERT_TRUE(serve.wait_for_output("job after-restart completed: deviceCount 1, succeeded 1", 30s))
      << serve.output();
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(10s));
  EXPECT_TRUE(has(scheduler({"devices", "--query", "deviceId = 'door-3'"}).output, "unlocked"));
}

TEST_F(SchedulerJobs, ARepeatingJobRunsAgain) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                       "getDoorState", "--repeat", "every 2s", "--id", "poll"})
                .exit_code,
            0);
  Process serve(cli_.argv({"serve"}));
  ASSERT_TRUE(serve.wait_for_output("job poll: run 2 started", 30s)) << serve.output();
  ASSERT_TRUE(serve.wait_for_output("job poll scheduled: deviceCount 1, succeeded 1", 30s,
                                    serve.line_count() - 1))
      << serve.output();
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(10s));
  EXPECT_EQ(scheduler({"cancel", "poll"}).exit_code, 0);
}

TEST_F(SchedulerJobs, ARunningJobCanBeCancelledFromAnotherProcess) {
  MqttClient impostor(scheduler_options(broker_));  // door-9 never answers: the job keeps running
  ASSERT_EQ(impostor.connect(), "");
  ASSERT_TRUE(impostor.publish("devices/door-9/status", R"({"online":true})", 1, true));
  Process running(cli_.argv({"schedule", "method", "--query", "deviceId = 'door-9'", "--method",
                             "getDoorState", "--timeout", "300", "--id", "stuck", "--wait"}));
  ASSERT_TRUE(running.wait_for_output("job stuck running", 30s)) << running.output();
  EXPECT_EQ(scheduler({"cancel", "stuck"}).exit_code, 0);
  const auto status = running.wait_exit(30s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  EXPECT_TRUE(has(running.output(), "door-9               canceled")) << running.output();
  EXPECT_TRUE(has(running.output(), "job stuck cancelled")) << running.output();
}

TEST_F(SchedulerJobs, AJobThatRunsOutOfTimeFails) {
  MqttClient impostor(scheduler_options(broker_));
  ASSERT_EQ(impostor.connect(), "");
  ASSERT_TRUE(impostor.publish("devices/door-9/status", R"({"online":true})", 1, true));
  const CliResult r = scheduler({"schedule", "method", "--query", "deviceId = 'door-9'", "--method",
                                 "getDoorState", "--timeout", "300", "--max-time", "2", "--wait"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "door-9               failed      0 maxExecutionTimeInSeconds ran out"))
      << r.output;
  EXPECT_TRUE(has(r.output, "failed: deviceCount 1, succeeded 0, failed 1")) << r.output;
}

TEST_F(SchedulerJobs, TheRateLimitSpacesTheDevices) {
  const CliResult r = scheduler({"schedule", "method", "--query", "SELECT * FROM devices",
                                 "--method", "getDoorState", "--rate", "1", "--wait", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::vector<long> starts = device_start_times(r.output);
  ASSERT_EQ(starts.size(), 3u) << r.output;  // one per device
  // One device a second: three devices span at least two seconds of start times.
  EXPECT_GE(*std::max_element(starts.begin(), starts.end()) -
                *std::min_element(starts.begin(), starts.end()),
            2)
      << r.output;
}

// With serve running, as the documentation says to keep it, --wait follows the job to its end
// whoever runs it. Once it failed with "taken by another scheduler" when serve claimed it first.
TEST_F(SchedulerJobs, WaitFollowsAJobThatServeRuns) {
  Process serve(cli_.argv({"serve"}));
  ASSERT_TRUE(serve.wait_for_output("serving jobs", 30s)) << serve.output();
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> args = {
        "schedule", "method",       "--query", "SELECT * FROM devices",
        "--method", "getDoorState", "--id",    "race-" + std::to_string(i),
        "--wait"};
    if (i % 2 == 1) args.insert(args.end(), {"--in", "1s"});
    const CliResult r = scheduler(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(has(r.output, "completed: deviceCount 3, succeeded 3, failed 0")) << r.output;
    EXPECT_FALSE(has(r.output, "taken by another scheduler")) << r.output;
  }
  // Which of the two claims each job is a race; with the scheduler from before, two of these six
  // runs failed with "taken by another scheduler".
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(10s));
}

TEST_F(SchedulerJobs, WatchFollowsAJobToItsEndWithProgressEverySecond) {
  MqttClient impostor(scheduler_options(broker_));  // door-9: online, but never answers
  ASSERT_EQ(impostor.connect(), "");
  ASSERT_TRUE(impostor.publish("devices/door-9/status", R"({"online":true})", 1, true));
  ASSERT_EQ(
      scheduler({"schedule", "method", "--query", "deviceId IN ['door-1','door-9']", "--method",
                 "getDoorState", "--timeout", "4", "--in", "1s", "--id", "watched"})
          .exit_code,
      0);
  Process watch(cli_.argv({"watch", "watched"}));
  Process serve(cli_.argv({"serve"}));
  const auto status = watch.wait_exit(60s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << watch.output();
  EXPECT_EQ(WEXITSTATUS(*status), 3) << watch.output();  // a device failed
  EXPECT_TRUE(has(watch.output(), "door-1               completed 200")) << watch.output();
  EXPECT_TRUE(has(watch.output(), "door-9               failed    504")) << watch.output();
  EXPECT_TRUE(has(watch.output(), "job watched completed: deviceCount 2, succeeded 1, failed 1"))
      << watch.output();
  // While door-9 runs into its 4 s timeout, the progress keeps time (not a terminal: lines).
  EXPECT_GE(watch.count_output("job watched: 1/2 done, 0 failed, 1 running"), 2u) << watch.output();
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(10s));
}

TEST_F(SchedulerJobs, UnderJsonStdoutCarriesOnlyTheJson) {
  // stdout alone: the progress goes to stderr.
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null"};
  for (const std::string& a :
       cli_.argv({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                  "getDoorState", "--in", "1s", "--wait", "--json"})) {
    argv.push_back(a);
  }
  Process p(argv);
  const auto status = p.wait_exit(60s);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << p.output();
  JsonDocument json(cJSON_Parse(p.output().c_str()));
  ASSERT_TRUE(json) << p.output();
  EXPECT_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(json.get(), "status")), "completed");
}

TEST_F(SchedulerJobs, BadInputGetsOneLineAndTheStoreKeepsItsJobs) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                       "getDoorState", "--in", "1h", "--id", "kept"})
                .exit_code,
            0);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"schedule", "method", "--query", "deviceId == 'x'", "--method", "m"}, "query:"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--payload", "{bad"},
       "--payload is not valid JSON"},
      {{"schedule", "twin", "--query", "deviceId = 'x'", "--patch", "[1]"}, "--patch must be"},
      // The agents refuse a member named twice; so does the scheduler, before anything is stored.
      {{"schedule", "twin", "--query", "deviceId = 'x'", "--patch", R"({"floor":5,"floor":"x"})"},
       "--patch is not valid JSON: the member \"floor\" is given twice"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--payload",
        R"({"lockTime":"2s","lockTime":"1h"})"},
       "--payload is not valid JSON: the member \"lockTime\" is given twice"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--frobnicate", "1"},
       "unknown option --frobnicate"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--id", "kept"},
       "exists already"},
      // Once an empty reason, a date normalised to March 2nd, and every device at once.
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--start",
        "1969-12-31T23:59:59Z"},
       "start: 1969-12-31T23:59:59Z is before 1970-01-01T00:00:00Z"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--start",
        "2026-02-30T10:00"},
       "start: 2026-02-30T10:00 is not a date of the calendar"},
      // Once accepted and run at once: a door locked hours early.
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--start",
        "2020-01-01T00:00:00Z"},
       "start: 2020-01-01T00:00:00Z (UTC) is 2020-01-01T00:00:00Z, in the past (now "},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--start",
        "2020-01-01T00:00"},
       "start: 2020-01-01T00:00 (local time, "},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--rate", "1e-17"},
       "--rate: devices a second, from 0.001 to 10000"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--rate", "2/s"},
       "--rate: devices a second, from 0.001 to 10000"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = scheduler(args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(has(r.output, message)) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  const CliResult unreachable =
      scheduler({"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--wait"},
                ReservedPort().number());
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_TRUE(has(unreachable.output, "refused the connection")) << unreachable.output;
  EXPECT_TRUE(has(scheduler({"jobs"}).output, "kept")) << scheduler({"jobs"}).output;
}

TEST_F(SchedulerJobs, ATwinJobNeverWritesOverADocumentItHasNotReadNorPastTheLastVersion) {
  MqttClient service(scheduler_options(broker_));
  ASSERT_EQ(service.connect(), "");
  // door-7 applied version 3, whose document neither the broker nor the store holds.
  ASSERT_TRUE(service.publish("devices/door-7/status", R"({"online":true})", 1, true));
  ASSERT_TRUE(service.publish("devices/door-7/twin/reported", R"({"agent":{"desiredVersion":3}})",
                              1, true));
  // door-8 says it applied the last version there is.
  ASSERT_TRUE(service.publish("devices/door-8/status", R"({"online":true})", 1, true));
  ASSERT_TRUE(service.publish("devices/door-8/twin/reported",
                              R"({"agent":{"desiredVersion":9223372036854775807}})", 1, true));
  ASSERT_TRUE(service.publish("devices/door-8/twin/desired",
                              R"({"floor":1,"$version":9223372036854775807})", 1, true));
  const CliResult view = scheduler({"devices"});
  EXPECT_EQ(view.exit_code, 1) << view.output;
  EXPECT_TRUE(has(view.output,
                  "incomplete view: devices/door-7/twin/desired did not arrive (the device applied "
                  "$version 3)"))
      << view.output;
  const CliResult r = scheduler({"schedule", "twin", "--query", "deviceId IN ['door-7','door-8']",
                                 "--patch", R"({"building":7})", "--wait"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_TRUE(has(r.output,
                  "door-7               failed    409 the current desired document is "
                  "unknown: the device applied $version 3"))
      << r.output;
  EXPECT_TRUE(has(r.output,
                  "door-8               failed    409 no $version is above "
                  "9223372036854775807"))
      << r.output;
}

}  // namespace
}  // namespace door::test
