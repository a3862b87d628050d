// The IoT Hub backend's pure parts: the service connection string, the service SAS token, and the
// jobs/v2 JSON (JobRequest, JobResponse, the devices.jobs query's items).
#include <gtest/gtest.h>

#include "protocol/json_document.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/hub_connection.hpp"
#include "scheduler/hub_jobs.hpp"

namespace door::scheduler {
namespace {

constexpr const char* kKey = "c2VydmljZS1wb2xpY3kta2V5LWZvci10ZXN0cy0wMDAwMDA=";

JsonDocument parsed(const std::string& text) {
  return JsonDocument(protocol::parse_json_document(text));
}

TEST(HubConnection, AServiceConnectionStringIsTakenAndOthersRefusedWithoutTheKey) {
  HubConnection c;
  std::string error;
  ASSERT_TRUE(parse_hub_connection(
      std::string("HostName=myhub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=") +
          kKey,
      c, error))
      << error;
  EXPECT_EQ(c.host, "myhub.azure-devices.net");
  EXPECT_EQ(c.key_name, "service");
  for (const std::string& bad :
       {std::string("HostName=h;DeviceId=d;SharedAccessKey=") + kKey, std::string("HostName=h"),
        std::string("HostName=h;SharedAccessKeyName=service;SharedAccessKey=not*base64"),
        std::string("HostName=h;SharedAccessKeyName;SharedAccessKey=") + kKey}) {
    EXPECT_FALSE(parse_hub_connection(bad, c, error)) << bad;
    EXPECT_EQ(error.find(kKey), std::string::npos) << error;
    EXPECT_EQ(error.find("not*base64"), std::string::npos) << error;
  }
}

// The value Node.js's crypto gives for the same host, key and expiry (sr + "\n" + se, HMAC-SHA256
// with the base64-decoded key).
TEST(HubConnection, TheServiceTokenIsSignedAsTheReferenceSays) {
  const HubConnection c{"myhub.azure-devices.net", "service", kKey};
  EXPECT_EQ(
      service_sas_token(c, 1800000000),
      "SharedAccessSignature sr=myhub.azure-devices.net&sig=N8QmV3rOI%2BB9%2BSd5Bjow0HFF7TXpN4"
      "UZD6tiZ%2FJK%2BzY%3D&skn=service&se=1800000000");
}

TEST(HubJobs, TimesAreIso8601InUtc) {
  EXPECT_EQ(iso8601(1800000000), "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(parse_iso8601("2027-01-15T08:00:00.000Z"), 1800000000);
  EXPECT_EQ(parse_iso8601("2027-01-15T08:00:00.1234567Z"), 1800000000);
  EXPECT_EQ(parse_iso8601("2027-01-15T08:00:00Z"), 1800000000);
  EXPECT_EQ(parse_iso8601("0001-01-01T00:00:00"), 0);  // the hub's "not yet"
  EXPECT_EQ(parse_iso8601("2027-01-15 08:00"), -1);
  EXPECT_EQ(parse_iso8601("2027-01-15T08:00:00Zjunk"), -1);
}

TEST(HubJobs, TheQueryConditionIsTheWhereClause) {
  EXPECT_EQ(query_condition("SELECT * FROM devices WHERE deviceId = 'd1'"), "deviceId = 'd1'");
  EXPECT_EQ(query_condition("select * from devices where properties.reported.floor = 3"),
            "properties.reported.floor = 3");
  EXPECT_EQ(query_condition("deviceId IN ['a','b']"), "deviceId IN ['a','b']");
  EXPECT_EQ(query_condition("SELECT * FROM devices"), "");
}

TEST(HubJobs, AMethodJobRequestHasTheReferencesMembersAndTypes) {
  Job job;
  job.id = "lock-1";
  job.query = "deviceId IN ['door-1']";
  job.method = "lockDoor";
  job.payload = R"({"lockTime":"10m"})";
  job.response_timeout_s = 20;
  job.start_time = 1800000000;
  job.max_execution_s = 600;
  EXPECT_EQ(
      job_request(job),
      R"({"jobId":"lock-1","type":"scheduleDeviceMethod","cloudToDeviceMethod":{"methodName":)"
      R"("lockDoor","payload":{"lockTime":"10m"},"responseTimeoutInSeconds":20},"startTime":)"
      R"("2027-01-15T08:00:00.000Z","maxExecutionTimeInSeconds":600,"queryCondition":)"
      R"("deviceId IN ['door-1']"})");
  job.type = JobType::update_twin;
  job.patch = R"({"building":43,"floor":3})";
  const JsonDocument twin = parsed(job_request(job));
  const cJSON* update = cJSON_GetObjectItem(twin.get(), "updateTwin");
  EXPECT_STREQ(cJSON_GetObjectItem(update, "etag")->valuestring, "*");
  EXPECT_EQ(
      cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(update, "properties"), "desired"),
                          "building")
          ->valueint,
      43);
  EXPECT_EQ(cJSON_GetObjectItem(twin.get(), "cloudToDeviceMethod"), nullptr);
}

TEST(HubJobs, AJobResponseGivesStatusTimesAndStatistics) {
  const JsonDocument json = parsed(R"({"jobId":"j1","queryCondition":"deviceId = 'd1'",
    "createdTime":"2027-01-15T07:59:00Z","startTime":"2027-01-15T08:00:00Z",
    "endTime":"0001-01-01T00:00:00","maxExecutionTimeInSeconds":3600,"type":"scheduleDeviceMethod",
    "cloudToDeviceMethod":{"methodName":"lockDoor"},"status":"running",
    "deviceJobStatistics":{"deviceCount":3,"failedCount":1,"succeededCount":1,"runningCount":1,
    "pendingCount":0}})");
  Job job;
  Statistics st;
  std::string error;
  ASSERT_TRUE(parse_job_response(json.get(), job, st, error)) << error;
  EXPECT_EQ(job.status, JobStatus::running);
  EXPECT_EQ(job.start_time, 1800000000);
  EXPECT_EQ(job.ended, 0);
  EXPECT_EQ(job.method, "lockDoor");
  EXPECT_EQ(st.device_count, 3);
  EXPECT_EQ(st.failed, 1);
  EXPECT_EQ(st.running, 1);
  for (const char* bad : {R"({"jobId":"j1","type":"export","status":"running"})",
                          R"({"jobId":"j1","type":"scheduleUpdateTwin","status":"dancing"})",
                          R"({"type":"scheduleUpdateTwin","status":"running"})", "[]"}) {
    const JsonDocument refused = parsed(bad);
    EXPECT_FALSE(parse_job_response(refused.get(), job, st, error)) << bad;
  }
}

TEST(HubJobs, ADevicesResultGivesItsStatusCodeAndAnswerOrError) {
  DeviceResult r;
  std::string error;
  const JsonDocument answered = parsed(R"({"deviceId":"d1","jobId":"j1","status":"completed",
    "startTimeUtc":"2027-01-15T08:00:00Z","endTimeUtc":"2027-01-15T08:00:01Z",
    "outcome":{"deviceMethodResponse":{"status":200,"payload":{"Response":"ok"}}}})");
  ASSERT_TRUE(parse_device_job(answered.get(), r, error)) << error;
  EXPECT_EQ(r.status, DeviceStatus::completed);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.response, R"({"Response":"ok"})");
  EXPECT_EQ(r.ended, 1800000001);
  const JsonDocument failed = parsed(R"({"deviceId":"d2","status":"failed",
    "error":{"code":"DeviceNotOnline","description":"Timed out waiting for device to connect."}})");
  ASSERT_TRUE(parse_device_job(failed.get(), r, error)) << error;
  EXPECT_EQ(r.status, DeviceStatus::failed);
  EXPECT_EQ(r.response, "DeviceNotOnline: Timed out waiting for device to connect.");
  const JsonDocument waiting = parsed(R"({"deviceId":"d3","status":"scheduled"})");
  ASSERT_TRUE(parse_device_job(waiting.get(), r, error));
  EXPECT_EQ(r.status, DeviceStatus::pending);
  const JsonDocument unknown = parsed(R"({"deviceId":"d3","status":"lost"})");
  EXPECT_FALSE(parse_device_job(unknown.get(), r, error));
}

}  // namespace
}  // namespace door::scheduler
