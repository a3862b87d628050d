// door-scheduler on IoT Hub when the hub refuses or fails: each failure is one line and its own
// exit status, throttling and server errors are retried (honouring Retry-After), and no job is
// left half-created (on the hub without a record in the store, or the other way round).
#include "scheduler_hub_fixture.hpp"

namespace door::test {
namespace {

std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

const std::vector<std::string> kLockDoor = {
    "schedule", "method", "--query", "deviceId = 'door-1'", "--method", "lockDoor", "--id", "f-1"};

class HubFaults : public HubScheduler {
 protected:
  void use_faults(const std::string& faults) { hub_ = std::make_unique<IotHubContract>(faults); }
  // No job is recorded: the store lists nothing beyond its header.
  void expect_nothing_stored() {
    const CliResult stored = offline({"jobs"});
    EXPECT_EQ(lines(stored.output), 1u) << stored.output;
  }
};

TEST_F(HubFaults, AWrongKeyIs401AndExitStatus4) {
  const CliResult r = scheduler(kLockDoor, hub_->connection_string("d3Jvbmcta2V5"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_TRUE(has(r.output, "IoT Hub refused the credentials (401)")) << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_EQ(hub_->requests().size(), 1u) << "an auth failure is not retried";
  expect_nothing_stored();
}

TEST_F(HubFaults, APolicyWithoutThePermissionIs403AndExitStatus5) {
  use_faults(R"([{"method":"PUT","path":"/jobs/v2/","status":403}])");
  const CliResult r = scheduler(kLockDoor);
  EXPECT_EQ(r.exit_code, 5) << r.output;
  EXPECT_TRUE(has(r.output, "(403): the policy service lacks the permission")) << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  expect_nothing_stored();
}

TEST_F(HubFaults, AnUnknownJobIs404AndExitStatus6) {
  const CliResult r = scheduler({"job", "no-such-job"});
  EXPECT_EQ(r.exit_code, 6) << r.output;
  EXPECT_TRUE(has(r.output, "IoT Hub has no such resource: GET /jobs/v2/no-such-job (404)"))
      << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_EQ(scheduler({"cancel", "no-such-job"}).exit_code, 6);
}

TEST_F(HubFaults, AJobIdThatExistsIs409AndExitStatus7) {
  ASSERT_EQ(scheduler(kLockDoor).exit_code, 0);
  const CliResult r = scheduler(kLockDoor);
  EXPECT_EQ(r.exit_code, 7) << r.output;
  EXPECT_TRUE(has(r.output, "(409): it exists already")) << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
}

TEST_F(HubFaults, ThrottlingIsRetriedAfterRetryAfter) {
  use_faults(R"([{"method":"PUT","path":"/jobs/v2/","status":429,"retryAfter":1,"count":2}])");
  const CliResult r = scheduler(kLockDoor);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "with 429 (throttled); retrying in 1.0 s")) << r.output;
  EXPECT_EQ(hub_->requests().size(), 3u);
  EXPECT_TRUE(has(offline({"jobs"}).output, "f-1"));
}

TEST_F(HubFaults, ThrottlingThatDoesNotEndIsExitStatus8WithNothingCreated) {
  use_faults(R"([{"method":"PUT","path":"/jobs/v2/","status":429,"retryAfter":0,"count":99}])");
  const CliResult r = scheduler(kLockDoor);
  EXPECT_EQ(r.exit_code, 8) << r.output;
  EXPECT_TRUE(has(r.output, "IoT Hub still throttled PUT /jobs/v2/f-1 (429) after 5 attempts"))
      << r.output;
  EXPECT_EQ(hub_->requests().size(), 5u);
  expect_nothing_stored();
}

TEST_F(HubFaults, ServerErrorsAreRetriedThenExitStatus9) {
  use_faults(R"([{"method":"GET","path":"/jobs/v2/","status":503,"retryAfter":0,"count":99}])");
  const CliResult r = scheduler({"job", "f-1"});
  EXPECT_EQ(r.exit_code, 9) << r.output;
  EXPECT_TRUE(has(r.output, "IoT Hub failed GET /jobs/v2/f-1 (503) 5 times")) << r.output;
  EXPECT_EQ(lines(r.output), 5u) << r.output;  // four retries said, then the failure
}

// A create that failed with 500 after the hub had made the job: the retry's 409 is that job.
TEST_F(HubFaults, ACreateRetriedAfterAServerErrorIsNotRefusedAsAConflict) {
  use_faults(R"([{"method":"PUT","path":"/jobs/v2/","status":500,"retryAfter":0,"count":1}])");
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                       "lockDoor", "--id", "f-2"})
                .exit_code,
            0);
  EXPECT_TRUE(has(offline({"jobs"}).output, "f-2"));
}

TEST_F(HubFaults, AnUntrustedCertificateIsATlsFailureExitStatus10) {
  std::vector<std::string> args = argv(kLockDoor, hub_->connection_string());
  args[4] = TestPki::shared().file("other-ca.pem");  // --ca: a CA that did not sign the server
  Process p(args);
  const auto status = p.wait_exit(60s);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 10) << p.output();
  EXPECT_TRUE(has(p.output(), "TLS with " + hub_->host() + " failed")) << p.output();
  EXPECT_EQ(lines(p.output()), 1u) << p.output();
  EXPECT_TRUE(hub_->requests().empty());
  expect_nothing_stored();
}

TEST_F(HubFaults, AHostThatDoesNotResolveIsExitStatus11) {
  const CliResult r = scheduler(
      kLockDoor, "HostName=no-such-hub.invalid;SharedAccessKeyName=service;SharedAccessKey=" +
                     std::string(IotHubContract::kKey));
  EXPECT_EQ(r.exit_code, 11) << r.output;
  EXPECT_TRUE(has(r.output, "cannot resolve the IoT Hub host no-such-hub.invalid")) << r.output;
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  expect_nothing_stored();
}

TEST_F(HubFaults, ADeviceConnectionStringIsRefusedAsUsage) {
  const CliResult r = scheduler(
      kLockDoor, "HostName=" + hub_->host() +
                     ";DeviceId=door-1;SharedAccessKey=" + std::string(IotHubContract::kKey));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "is a device's")) << r.output;
  EXPECT_FALSE(has(r.output, IotHubContract::kKey)) << r.output;
}

}  // namespace
}  // namespace door::test
