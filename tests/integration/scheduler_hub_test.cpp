// door-scheduler on Azure IoT Hub: native jobs through the service REST API, against the contract
// server that checks every request against the REST reference.
#include <fstream>
#include <sstream>
#include <thread>

#include "scheduler_hub_fixture.hpp"

namespace door::test {
namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST_F(HubScheduler, DevicesShowEachTwinFollowingContinuationTokens) {
  const CliResult r = scheduler({"devices"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Three twins in pages of two: the second page is asked for with the first's token.
  // As on a broker: an online device is seen now, an offline one at the twin's lastActivityTime.
  EXPECT_TRUE(has(r.output,
                  "door-1               yes     now       locked    closed  3        building=43"))
      << r.output;
  EXPECT_TRUE(has(r.output, "door-2               yes     now       unlocked  open    1"))
      << r.output;
  const std::string door3 = r.output.substr(r.output.find("door-3"));
  EXPECT_TRUE(has(door3.substr(0, door3.find('\n')), " ago ")) << r.output;
  const auto requests = hub_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(JsonLine(requests[1]).header("x-ms-continuation"), "2");
  EXPECT_EQ(JsonLine(requests[0]).text("body"), R"({"query":"SELECT * FROM devices"})");
}

TEST_F(HubScheduler, DevicesQueryGoesToTheHubAsAWhereClause) {
  const CliResult r = scheduler({"devices", "--query", "deviceId = 'door-2'", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "\"deviceId\":\t\"door-2\"")) << r.output;
  EXPECT_TRUE(has(r.output, "\"connectionState\":\t\"Connected\"")) << r.output;
  EXPECT_FALSE(has(r.output, "door-1")) << r.output;
  EXPECT_EQ(JsonLine(hub_->requests().at(0)).text("body"),
            R"({"query":"SELECT * FROM devices WHERE deviceId = 'door-2'"})");
  const CliResult bad = scheduler({"devices", "--query", "deviceId = "});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_EQ(hub_->requests().size(), 1u) << "a malformed query is not sent";
}

TEST_F(HubScheduler, ScheduleMethodCreatesANativeJobAndWaitFollowsItToItsEnd) {
  const CliResult r = scheduler({"schedule", "method", "--query", "deviceId IN ['door-1','door-2']",
                                 "--method", "lockDoor", "--payload", R"({"lockTime":"10m"})",
                                 "--id", "lock-1", "--timeout", "20", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "job lock-1 running: deviceId IN ['door-1','door-2']")) << r.output;
  EXPECT_TRUE(has(r.output,
                  "door-1               completed 200 {\"Response\":\"lockDoor called "
                  "successfully\"}"))
      << r.output;
  EXPECT_TRUE(has(r.output, "[2/2 done, 0 failed]")) << r.output;
  EXPECT_TRUE(has(r.output, "job lock-1 completed: deviceCount 2, succeeded 2, failed 0"))
      << r.output;
  const JsonLine put(hub_->requests().at(0));
  EXPECT_EQ(put.text("method"), "PUT");
  EXPECT_EQ(put.text("path"), "/jobs/v2/lock-1");
  const JsonLine body(put.text("body"));
  const cJSON* method = cJSON_GetObjectItem(body.json, "cloudToDeviceMethod");
  EXPECT_EQ(body.text("type"), "scheduleDeviceMethod");
  EXPECT_EQ(cJSON_GetObjectItem(method, "responseTimeoutInSeconds")->valueint, 20);
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(method, "payload"), "lockTime")->valuestring,
               "10m");
  EXPECT_EQ(cJSON_GetObjectItem(body.json, "maxExecutionTimeInSeconds")->valueint, 3600);
}

TEST_F(HubScheduler, ScheduleTwinSendsTheDesiredPatchWithEtagStar) {
  const CliResult r =
      scheduler({"schedule", "twin", "--query", "SELECT * FROM devices WHERE deviceId = 'door-1'",
                 "--patch", R"({"building":43,"floor":3})", "--in", "1h", "--id", "twin-1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "job twin-1 scheduled for")) << r.output;
  const JsonLine body(JsonLine(hub_->requests().at(0)).text("body"));
  const cJSON* twin = cJSON_GetObjectItem(body.json, "updateTwin");
  EXPECT_STREQ(cJSON_GetObjectItem(twin, "etag")->valuestring, "*");
  EXPECT_EQ(cJSON_GetObjectItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(twin, "properties"), "desired"), "floor")
                ->valueint,
            3);
  EXPECT_EQ(body.text("queryCondition"), "deviceId = 'door-1'");
}

TEST_F(HubScheduler, JobsListTheHubsJobsAndTheStoreShowsThemOffline) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                       "getDoorState", "--in", "1h", "--id", "later-1"})
                .exit_code,
            0);
  const CliResult online = scheduler({"jobs"});
  ASSERT_EQ(online.exit_code, 0) << online.output;
  EXPECT_TRUE(has(online.output, "later-1")) << online.output;
  EXPECT_TRUE(has(online.output, hub_->host())) << online.output;
  hub_.reset();  // the hub is gone: the store still says where the job lives
  const CliResult stored = offline({"jobs"});
  ASSERT_EQ(stored.exit_code, 0) << stored.output;
  EXPECT_TRUE(has(stored.output, "later-1")) << stored.output;
  EXPECT_TRUE(has(stored.output, "scheduleDeviceMethod  scheduled")) << stored.output;
  EXPECT_TRUE(has(stored.output, "localhost:")) << stored.output;
  hub_ = std::make_unique<IotHubContract>();  // for TearDown
}

TEST_F(HubScheduler, JobShowsStatisticsAndEachDevicesResult) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId IN ['door-1','door-2']",
                       "--method", "lockDoor", "--id", "seen-1", "--wait"})
                .exit_code,
            0);
  const CliResult r = scheduler({"job", "seen-1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "job seen-1 completed: deviceCount 2, succeeded 2")) << r.output;
  EXPECT_TRUE(has(r.output, "door-2               completed 200")) << r.output;
  const CliResult json = scheduler({"job", "seen-1", "--json"});
  EXPECT_TRUE(has(json.output, "\"succeededCount\":\t2")) << json.output;
}

TEST_F(HubScheduler, CancelCancelsTheJobOnTheHub) {
  ASSERT_EQ(scheduler({"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch",
                       R"({"floor":4})", "--in", "1h", "--id", "undo-1"})
                .exit_code,
            0);
  const CliResult r = scheduler({"cancel", "undo-1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "job undo-1 cancelled")) << r.output;
  EXPECT_TRUE(has(scheduler({"job", "undo-1"}).output, "job undo-1 cancelled")) << r.output;
  EXPECT_TRUE(has(offline({"jobs"}).output, "cancelled")) << r.output;
}

TEST_F(HubScheduler, RateAndWaitAckAreRefusedBeforeAnyRequest) {
  const CliResult rate = scheduler({"schedule", "method", "--query", "deviceId = 'door-1'",
                                    "--method", "lockDoor", "--rate", "5"});
  EXPECT_EQ(rate.exit_code, 2);
  EXPECT_TRUE(has(rate.output, "--rate does not exist on IoT Hub")) << rate.output;
  EXPECT_EQ(lines(rate.output), 1u) << rate.output;
  const CliResult ack = scheduler(
      {"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch", "{}", "--wait-ack"});
  EXPECT_EQ(ack.exit_code, 2);
  EXPECT_TRUE(has(ack.output, "--wait-ack does not exist on IoT Hub")) << ack.output;
  EXPECT_TRUE(hub_->requests().empty());
}

TEST_F(HubScheduler, RolloutAbortAndTheBrokersOwnCommandsAreRefusedInOneLine) {
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"schedule", "method", "--query", "deviceId = 'door-1'", "--method", "lockDoor",
             "--abort-failed-percent", "20"},
            "--abort-failed-percent does not exist on IoT Hub"},
           {{"serve", "--max-concurrent", "2"}, "--max-concurrent does not exist on IoT Hub"},
           {{"call", "door-1", "lockDoor"}, "call works with a broker, not on IoT Hub"},
           {{"purge", "--before", "30d"}, "purge works with a broker, not on IoT Hub"},
           {{"jobs", "--status", "failed"}, "jobs on IoT Hub takes only --json"}}) {
    const CliResult r = scheduler(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(has(r.output, message)) << r.output;
    EXPECT_EQ(lines(r.output), 1u) << r.output;
  }
  EXPECT_TRUE(hub_->requests().empty());
  // Issue 20's parser rules hold on the hub too: --help anywhere, a missing option named.
  const CliResult help = scheduler({"schedule", "method", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_TRUE(has(help.output, "On IoT Hub")) << help.output;
  const CliResult missing = scheduler({"schedule", "method", "--query", "deviceId = 'door-1'"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(has(missing.output, "--method is missing")) << missing.output;
  EXPECT_TRUE(hub_->requests().empty());
}

// What the shell would print on stdout alone: --json output is the JSON and nothing else.
std::string stdout_of(const std::vector<std::string>& argv) {
  std::string command;
  for (const std::string& word : argv) {
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += quoted + "' ";
  }
  Process p({"/bin/sh", "-c", command + "2>/dev/null"});
  const auto status = p.wait_exit(120s);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << p.output();
  return p.output();
}

TEST_F(HubScheduler, WaitJsonPrintsOnlyTheJobAndWatchFollowsAHubJob) {
  const std::string out =
      stdout_of(argv({"schedule", "method", "--query", "deviceId IN ['door-1','door-2']",
                      "--method", "lockDoor", "--id", "quiet-1", "--wait", "--json"},
                     hub_->connection_string()));
  cJSON* json = cJSON_Parse(out.c_str());
  ASSERT_NE(json, nullptr) << out;
  EXPECT_STREQ(cJSON_GetObjectItem(json, "status")->valuestring, "completed");
  // IoT Hub's names and ISO 8601 UTC, as the broker backend prints them.
  const cJSON* start = cJSON_GetObjectItem(json, "startTime");
  ASSERT_TRUE(cJSON_IsString(start)) << out;
  EXPECT_EQ(std::string(start->valuestring).back(), 'Z') << out;
  EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "cloudToDeviceMethod"), "methodName")
                   ->valuestring,
               "lockDoor");
  cJSON_Delete(json);
  const CliResult watch = scheduler({"watch", "quiet-1"});
  EXPECT_EQ(watch.exit_code, 0) << watch.output;
  EXPECT_TRUE(has(watch.output, "job quiet-1 completed: deviceCount 2, succeeded 2"))
      << watch.output;
  const CliResult missing = scheduler({"watch", "no-such-job"});
  EXPECT_EQ(missing.exit_code, 6) << missing.output;
}

TEST_F(HubScheduler, TheKeyAppearsInNoOutputNorTheStore) {
  std::string all;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"devices"},
           {"schedule", "method", "--query", "deviceId = 'door-1'", "--method", "lockDoor", "--id",
            "k-1", "--wait"},
           {"jobs"},
           {"job", "k-1"},
           {"job", "missing"}}) {
    all += scheduler(args).output;
  }
  all += scheduler({"devices"}, hub_->connection_string("d3Jvbmcta2V5")).output;  // refused
  ASSERT_TRUE(has(all, "401")) << all;
  for (const std::string key : {IotHubContract::kKey, "d3Jvbmcta2V5"}) {
    EXPECT_FALSE(has(all, key)) << all;
    EXPECT_FALSE(has(file_text(dir_.file("jobs.db")), key));
    EXPECT_FALSE(has(file_text(dir_.file("jobs.db-wal")), key));
  }
  EXPECT_FALSE(has(all, "SharedAccessSignature")) << all;
}

TEST_F(HubScheduler, ServeCreatesOneHubJobPerOccurrence) {
  const CliResult r = scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                                 "lockDoor", "--repeat", "every 1s", "--id", "tick"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(hub_->requests().empty()) << "a repeating job is created per occurrence by serve";
  Process serve(argv({"serve"}, hub_->connection_string()));
  ASSERT_TRUE(serve.wait_for_output("created hub job tick-2", 30s)) << serve.output();
  serve.signal(SIGTERM);
  ASSERT_TRUE(serve.wait_exit(10s));
  EXPECT_TRUE(has(serve.output(), "created hub job tick-1")) << serve.output();
  const CliResult jobs = scheduler({"jobs"});
  EXPECT_TRUE(has(jobs.output, "tick-1")) << jobs.output;
  EXPECT_TRUE(has(jobs.output, "tick-2")) << jobs.output;
}

// The tutorial's scenario: lockDoor 20 s ahead, the desired building and floor 10 s ahead, for
// the devices a query selects, then each job's status until it is done.
TEST_F(HubScheduler, TheTutorialsScenarioRunsToTheEnd) {
  const CliResult method = scheduler(
      {"schedule", "method", "--query", "deviceId IN ['door-1','door-2']", "--method", "lockDoor",
       "--payload", R"({"lockTime":"10m"})", "--in", "20s", "--id", "lock-doors"});
  ASSERT_EQ(method.exit_code, 0) << method.output;
  const CliResult twin =
      scheduler({"schedule", "twin", "--query", "deviceId IN ['door-1','door-2']", "--patch",
                 R"({"building":43,"floor":3})", "--in", "10s", "--id", "set-floor", "--wait"});
  ASSERT_EQ(twin.exit_code, 0) << twin.output;
  EXPECT_TRUE(has(twin.output, "job set-floor completed: deviceCount 2, succeeded 2"))
      << twin.output;
  CliResult status;
  // The job's status until done, as the tutorial prints it (the hub has no event to wait for).
  for (int i = 0; i < 60; ++i) {
    status = scheduler({"job", "lock-doors"});
    if (has(status.output, "job lock-doors completed")) break;
    std::this_thread::sleep_for(1s);
  }
  EXPECT_TRUE(has(status.output, "job lock-doors completed: deviceCount 2, succeeded 2"))
      << status.output;
  EXPECT_TRUE(has(status.output, "lockDoor called successfully")) << status.output;
}

}  // namespace
}  // namespace door::test
