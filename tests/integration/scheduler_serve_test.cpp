// door-scheduler serve running jobs at once, and rollout control (a growing rate, the abort rule),
// with real agents, a real broker and the real scheduler processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <ctime>

#include "mqtt_client.hpp"
#include "scheduler_fixture.hpp"

namespace door::test {
namespace {

using SchedulerServe = SchedulerFleet;

// A device that is online and never answers.
void publish_silent_device(MqttClient& client, const std::string& id) {
  ASSERT_EQ(client.connect(), "");
  ASSERT_TRUE(client.publish("devices/" + id + "/status", R"({"online":true})", 1, true));
}

// Schedules a job on the silent door-9 that lasts its 3 s timeout.
void schedule_slow_job(SchedulerCli& cli, const std::string& id) {
  const CliResult r = cli.run({"schedule", "method", "--query", "deviceId = 'door-9'", "--method",
                               "getDoorState", "--timeout", "3", "--in", "1s", "--id", id});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SchedulerServe, DueJobsRunAtOnceUpToTheLimitAndTheLogHasTimes) {
  MqttClient silent(scheduler_options(broker_));
  publish_silent_device(silent, "door-9");
  schedule_slow_job(cli_, "slow-a");
  schedule_slow_job(cli_, "slow-b");
  Process serve(cli_.argv({"serve"}));
  const auto a_started = serve.wait_for_line("job slow-a: run 1 started", 30s);
  const auto b_started = serve.wait_for_line("job slow-b: run 1 started", 30s);
  const auto a_ended = serve.wait_for_line("job slow-a completed", 30s);
  const auto b_ended = serve.wait_for_line("job slow-b completed", 30s);
  ASSERT_TRUE(a_started && b_started && a_ended && b_ended) << serve.output();
  // Once one at a time: the second job waited for the first one's 3 s.
  EXPECT_LT(*b_started, *a_ended) << serve.output();
  EXPECT_LT(*a_started, *b_ended) << serve.output();
  const std::string output = serve.output();
  const auto line = output.rfind('\n', output.find(" job slow-a: run 1 started")) + 1;
  EXPECT_TRUE(starts_with_utc_time(output.substr(line))) << output;
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(30s));

  // One at a time when asked.
  schedule_slow_job(cli_, "one-a");
  schedule_slow_job(cli_, "one-b");
  Process single(cli_.argv({"serve", "--max-concurrent", "1"}));
  const auto first_ended = single.wait_for_line("completed: deviceCount 1", 30s);
  const auto second_started = single.wait_for_line(": run 1 started", 30s, *first_ended);
  ASSERT_TRUE(first_ended && second_started) << single.output();
  EXPECT_EQ(single.count_output(": run 1 started"), 2u) << single.output();
  single.signal(SIGTERM);
  EXPECT_TRUE(single.wait_exit(30s));
  EXPECT_EQ(scheduler({"serve", "--max-concurrent", "0"}).exit_code, 2);
}

TEST_F(SchedulerServe, TheAbortRuleStopsAJobWhoseDevicesFail) {
  MqttClient service(scheduler_options(broker_));
  ASSERT_EQ(service.connect(), "");
  for (const char* id : {"door-7", "door-8", "door-9"}) {
    ASSERT_TRUE(
        service.publish(std::string("devices/") + id + "/status", R"({"online":false})", 1, true));
  }
  // Offline devices fail at once, one a second: door-8 crosses the threshold, door-9 is left.
  const CliResult r =
      scheduler({"schedule", "method", "--query", "deviceId IN ['door-7','door-8','door-9']",
                 "--method", "lockDoor", "--rate", "1", "--abort-failed-percent", "50",
                 "--abort-min-devices", "2", "--id", "aborted", "--wait"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output,
                  "failed: the abort rule stopped the job: 2 of 2 devices failed, more "
                  "than 50 %"))
      << r.output;
  EXPECT_TRUE(has(r.output, "door-9               canceled    0 not started: the job was aborted"))
      << r.output;
  const CliResult job = scheduler({"job", "aborted", "--json"});
  EXPECT_TRUE(has(job.output, R"("status":	"failed")")) << job.output;
  EXPECT_TRUE(has(job.output, R"("failureReason":	"the abort rule stopped the job)"))
      << job.output;
  EXPECT_TRUE(has(job.output, R"("thresholdPercentage":	50)")) << job.output;
  // Under the threshold the job runs to its end.
  const CliResult under = scheduler({"schedule", "method", "--query", "SELECT * FROM devices",
                                     "--method", "getDoorState", "--abort-failed-percent", "60",
                                     "--abort-min-devices", "6", "--wait"});
  EXPECT_EQ(under.exit_code, 3) << under.output;
  EXPECT_TRUE(has(under.output, "completed: deviceCount 6, succeeded 3, failed 3")) << under.output;
}

TEST_F(SchedulerServe, TheRateGrowsAsDevicesSucceed) {
  // Half a device a second would space three devices 4 s apart; growing fivefold with each
  // success, the later ones start within a second (whole seconds here: under 3 s apart).
  const CliResult r =
      scheduler({"schedule", "method", "--query", "SELECT * FROM devices", "--method",
                 "getDoorState", "--rate", "0.5", "--rate-increase-factor", "5",
                 "--rate-increase-every", "1", "--wait", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::vector<long> starts = device_start_times(r.output);
  ASSERT_EQ(starts.size(), 3u) << r.output;
  EXPECT_LT(*std::max_element(starts.begin(), starts.end()) -
                *std::min_element(starts.begin(), starts.end()),
            3)
      << r.output;
  EXPECT_TRUE(has(r.output, R"("incrementFactor":	5)")) << r.output;
  const CliResult alone = scheduler({"schedule", "method", "--query", "SELECT * FROM devices",
                                     "--method", "m", "--rate-increase-factor", "2"});
  EXPECT_EQ(alone.exit_code, 2) << alone.output;
}

}  // namespace
}  // namespace door::test
