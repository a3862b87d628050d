// door-scheduler's command line as an operator meets it: help on every command, flags, missing
// options, exit statuses and warnings, with the real executable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "scheduler/fleet.hpp"

#include "scheduler_fixture.hpp"

namespace door::test {
namespace {

using scheduler::JsonDocument;

using SchedulerCommandLine = SchedulerFleet;

TEST_F(SchedulerCommandLine, EveryCommandAndSubcommandTakesHelp) {
  const std::vector<std::vector<std::string>> commands = {{"devices"},
                                                          {"jobs"},
                                                          {"job"},
                                                          {"watch"},
                                                          {"cancel"},
                                                          {"serve"},
                                                          {"help"},
                                                          {"schedule"},
                                                          {"schedule", "method"},
                                                          {"schedule", "twin"}};
  for (const auto& command : commands) {
    for (const char* flag : {"--help", "-h"}) {
      std::vector<std::string> args = command;
      args.push_back(flag);
      const CliResult r = scheduler(args);
      EXPECT_EQ(r.exit_code, 0) << command[0] << " " << flag << ": " << r.output;
      EXPECT_EQ(r.output.rfind("usage: door-scheduler", 0), 0u) << r.output;
    }
  }
  // Once "--help needs a value".
  const CliResult method = scheduler({"schedule", "method", "--query", "x", "--help"});
  EXPECT_TRUE(has(method.output, "--wait-ack")) << method.output;
  // Once the general help with exit status 0.
  const CliResult bogus = scheduler({"help", "bogus"});
  EXPECT_EQ(bogus.exit_code, 2) << bogus.output;
  EXPECT_TRUE(has(bogus.output, "no command 'bogus'")) << bogus.output;
}

TEST_F(SchedulerCommandLine, FlagsTakeNoValueAndMissingOptionsAreNamed) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      // Once "--wait-ack needs a value".
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method", "m", "--wait-ack"},
       "--wait-ack applies to schedule twin only"},
      {{"schedule", "twin", "--query", "deviceId = 'x'", "--method", "m"},
       "--method applies to schedule method only"},
      // Once "--method: a method name of letters, digits, -._:".
      {{"schedule", "method", "--query", "deviceId = 'x'"}, "--method is missing"},
      {{"schedule", "method", "--method", "m"}, "--query is missing"},
      {{"schedule", "twin", "--query", "deviceId = 'x'", "--wait-ack"}, "--patch is missing"},
      {{"schedule", "method", "--query", "deviceId = 'x'", "--method"}, "--method needs a value"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = scheduler(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(has(r.output, message)) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  // A flag given where a value was expected is not taken as one.
  const CliResult wait = scheduler({"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch",
                                    R"({"floor":2})", "--wait-ack", "--wait", "--id", "flags"});
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  EXPECT_TRUE(has(wait.output, "job flags completed: deviceCount 1, succeeded 1")) << wait.output;
}

TEST_F(SchedulerCommandLine, AFailedDeviceMakesTheExitStatusNonZeroAlsoForJob) {
  const CliResult r = scheduler({"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch",
                                 R"({"floor":"roof"})", "--wait-ack", "--wait", "--id", "roof"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // Once 0, as if every device had succeeded.
  EXPECT_EQ(scheduler({"job", "roof"}).exit_code, 3);
  EXPECT_EQ(scheduler({"job", "roof", "--json"}).exit_code, 3);
}

TEST_F(SchedulerCommandLine, AQueryThatMatchesNoDeviceIsSaid) {
  const CliResult r = scheduler({"schedule", "method", "--query", "deviceId = 'door-99'",
                                 "--method", "getDoorState", "--id", "nobody", "--wait"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(
      has(r.output, "warning: job nobody: the query matched no device: deviceId = 'door-99'"))
      << r.output;
  const CliResult devices = scheduler({"devices", "--query", "deviceId = 'door-99'"});
  EXPECT_TRUE(has(devices.output, "warning: the query matched no device")) << devices.output;
}

TEST_F(SchedulerCommandLine, JobShowsAllAJobIsInUtc) {
  ASSERT_EQ(
      scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method", "lockDoor",
                 "--payload", R"({"lockTime":"10m"})", "--in", "1h", "--id", "later-lock"})
          .exit_code,
      0);
  const CliResult r = scheduler({"job", "later-lock"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Once only the type, the query and a local start without a zone.
  EXPECT_TRUE(
      has(r.output, R"(method    lockDoor, payload {"lockTime":"10m"}, response timeout 30 s)"))
      << r.output;
  EXPECT_TRUE(has(r.output, "query     deviceId = 'door-1'")) << r.output;
  EXPECT_TRUE(starts_with_utc_time(after(r.output, "created   "))) << r.output;
  EXPECT_TRUE(starts_with_utc_time(after(r.output, "start     "))) << r.output;
  const CliResult local = scheduler({"--local-time", "job", "later-lock"});
  EXPECT_TRUE(starts_with_local_time(after(local.output, "start     "))) << local.output;
  // Once epoch integers and no method.
  const CliResult json = scheduler({"job", "later-lock", "--json"});
  JsonDocument doc(cJSON_Parse(json.output.c_str()));
  ASSERT_TRUE(doc) << json.output;
  const cJSON* method = cJSON_GetObjectItem(doc.get(), "cloudToDeviceMethod");
  EXPECT_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(method, "methodName")), "lockDoor");
  EXPECT_STREQ(
      cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(method, "payload"), "lockTime")),
      "10m");
  for (const char* name : {"createdTime", "startTime"}) {
    const char* time = cJSON_GetStringValue(cJSON_GetObjectItem(doc.get(), name));
    ASSERT_NE(time, nullptr) << json.output;
    EXPECT_TRUE(starts_with_utc_time(time) && std::strlen(time) == 20) << time;
  }
  // A twin job shows its patch.
  ASSERT_EQ(scheduler({"schedule", "twin", "--query", "deviceId = 'door-2'", "--patch",
                       R"({"floor":4})", "--wait-ack", "--wait", "--id", "floor-4"})
                .exit_code,
            0);
  const CliResult twin = scheduler({"job", "floor-4"});
  EXPECT_TRUE(has(twin.output, R"(patch     {"floor":4}, waits 30 s for each acknowledgement)"))
      << twin.output;
  EXPECT_TRUE(has(twin.output, "run 1     started ")) << twin.output;
  EXPECT_TRUE(has(twin.output, "door-2               completed 200 acknowledged")) << twin.output;
}

TEST_F(SchedulerCommandLine, JobsFiltersAndPurgeDeletesWhatEnded) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                       "getDoorState", "--in", "1h", "--id", "waiting"})
                .exit_code,
            0);
  ASSERT_EQ(scheduler({"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch",
                       R"({"floor":5})", "--wait", "--id", "done"})
                .exit_code,
            0);
  const CliResult completed = scheduler({"jobs", "--status", "completed"});
  EXPECT_TRUE(has(completed.output, "done")) << completed.output;
  EXPECT_FALSE(has(completed.output, "waiting")) << completed.output;
  const CliResult methods = scheduler({"jobs", "--type", "method"});
  EXPECT_TRUE(has(methods.output, "waiting")) << methods.output;
  EXPECT_FALSE(has(methods.output, "done ")) << methods.output;
  const CliResult recent = scheduler({"jobs", "--since", "1h"});
  EXPECT_TRUE(has(recent.output, "waiting") && has(recent.output, "done")) << recent.output;
  EXPECT_FALSE(has(scheduler({"jobs", "--since", "2099-01-01T00:00:00Z"}).output, "done"));
  EXPECT_EQ(scheduler({"jobs", "--status", "finished"}).exit_code, 2);

  EXPECT_EQ(scheduler({"purge"}).exit_code, 2);
  // Nothing ended a day ago.
  EXPECT_TRUE(has(scheduler({"purge", "--before", "1d"}).output, "purged 0 jobs"));
  const CliResult purge = scheduler({"purge", "--before", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(purge.exit_code, 0) << purge.output;
  EXPECT_TRUE(has(purge.output, "purged 1 jobs that ended before 2099-01-01T00:00:00Z"))
      << purge.output;
  EXPECT_EQ(scheduler({"job", "done"}).exit_code, 1);
  EXPECT_EQ(scheduler({"job", "waiting"}).exit_code, 0);  // a waiting job stays
}

}  // namespace
}  // namespace door::test
