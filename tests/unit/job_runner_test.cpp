// A job run against an in-process broker link that plays the devices as scripted: what each device
// answers, what the job and every device's result end as, and what the runner does when the broker
// refuses a request or the connection is lost. The store is a real SQLite file.
#include "scheduler/job_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "port/clock.hpp"
#include "port/text_writer.hpp"
#include "protocol/limits.hpp"
#include "protocol/topics.hpp"

namespace door::scheduler {
namespace {

struct Answer {
  int status;
  std::string body;
};

// Each scripted device answers its method requests at once; the others never answer.
class FakeBroker final : public BrokerLink {
 public:
  bool connected() const override { return connected_; }
  bool subscribe(const std::string& filter, int) override {
    subscriptions.push_back(filter);
    return connected_;
  }
  bool publish(const std::string& topic, const std::string& payload, int, bool retained) override {
    if (!accept) return false;
    published.push_back({topic, payload, retained});
    return true;
  }
  bool send(const std::string& topic, const std::string& payload) override {
    if (!accept) return false;
    published.push_back({topic, payload, false});
    for (const auto& [device, answer] : answers) {
      const protocol::InboundTopic request = protocol::broker::parse(topic, device);
      if (request.kind != protocol::InboundKind::method_request) continue;
      char text[protocol::kMaxTopicLength + 1];
      port::TextWriter out(text, sizeof text);
      if (protocol::broker::format_method_response(out, device, answer.status, request.rid)
              .is_ok()) {
        inbox_.push_back({std::string(out.view()), answer.body, false});
      }
    }
    return true;
  }
  std::optional<Message> receive(std::chrono::milliseconds) override {
    if (inbox_.empty()) return std::nullopt;
    Message m = inbox_.front();
    inbox_.pop_front();
    return m;
  }

  void lose_connection() { connected_ = false; }

  std::map<std::string, Answer> answers;  // by device id
  std::vector<std::string> subscriptions;
  std::vector<Message> published;
  bool accept = true;

 private:
  bool connected_ = true;
  std::deque<Message> inbox_;
};

class JobRunnerTest : public ::testing::Test {
 protected:
  JobRunnerTest()
      : path_(::testing::TempDir() + "job-runner-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db") {
    remove_files();
    std::string error;
    EXPECT_TRUE(store_.open(path_, error)) << error;
  }
  ~JobRunnerTest() override { remove_files(); }

  void online(const std::string& device) {
    ASSERT_TRUE(fleet_.update({"devices/" + device + "/status", R"({"online":true})", true}));
  }
  // Stores the job, claims its first run and runs it.
  Job run(Job job) {
    job.id = "j";
    job.start_time = port::wall_seconds();
    EXPECT_TRUE(store_.add(job));
    bool claimed = false;
    EXPECT_TRUE(store_.claim(job.id, 1, port::wall_seconds(), claimed));
    EXPECT_TRUE(claimed);
    std::optional<Job> stored;
    EXPECT_TRUE(store_.get(job.id, stored));
    return JobRunner(broker_, fleet_, store_).run(*stored);
  }
  std::map<std::string, DeviceResult> results(const Job& job) {
    std::vector<DeviceResult> stored;
    EXPECT_TRUE(store_.results(job.id, job.run, stored));
    std::map<std::string, DeviceResult> by_device;
    for (DeviceResult& r : stored) by_device[r.device_id] = r;
    return by_device;
  }
  static Job method_job(const std::string& query) {
    Job job;
    job.query = query;
    job.method = "lockDoor";
    job.payload = R"({"lockTime":"10m"})";
    return job;
  }

  FakeBroker broker_;
  Fleet fleet_;
  JobStore store_;

 private:
  void remove_files() const {
    for (const char* tail : {"", "-wal", "-shm"}) std::remove((path_ + tail).c_str());
  }
  std::string path_;
};

TEST_F(JobRunnerTest, EachMatchedDeviceIsCalledAndItsAnswerRecorded) {
  online("door-1");
  online("door-2");
  online("door-3");
  broker_.answers["door-1"] = {200, R"({"Response":"lockDoor called successfully"})"};
  broker_.answers["door-2"] = {409, R"({"message":"the door is open"})"};
  const Job ended = run(method_job("SELECT * FROM devices WHERE deviceId IN ['door-1','door-2']"));
  EXPECT_EQ(ended.status, JobStatus::completed);  // whatever the devices answered
  EXPECT_EQ(broker_.subscriptions,
            std::vector<std::string>{protocol::broker::kFleetMethodResponseSubscription});
  ASSERT_EQ(broker_.published.size(), 2u);  // door-3 is not in the query
  for (const Message& m : broker_.published) {
    EXPECT_EQ(m.topic.find("devices/door-3/"), std::string::npos) << m.topic;
    EXPECT_EQ(m.payload, R"({"lockTime":"10m"})");
  }
  const auto r = results(ended);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r.at("door-1").status, DeviceStatus::completed);
  EXPECT_EQ(r.at("door-1").code, 200);
  EXPECT_EQ(r.at("door-1").response, R"({"Response":"lockDoor called successfully"})");
  EXPECT_EQ(r.at("door-2").status, DeviceStatus::failed);
  EXPECT_EQ(r.at("door-2").code, 409);
  EXPECT_EQ(r.at("door-2").response, R"({"message":"the door is open"})");
}

TEST_F(JobRunnerTest, AnOfflineDeviceFails404WithoutARequest) {
  ASSERT_TRUE(fleet_.update({"devices/door-1/status", R"({"online":false})", true}));
  const Job ended = run(method_job("SELECT * FROM devices"));
  EXPECT_EQ(ended.status, JobStatus::completed);
  EXPECT_TRUE(broker_.published.empty());
  const auto r = results(ended);
  EXPECT_EQ(r.at("door-1").status, DeviceStatus::failed);
  EXPECT_EQ(r.at("door-1").code, 404);
  EXPECT_NE(r.at("door-1").response.find("404103 DeviceNotOnline"), std::string::npos);
}

TEST_F(JobRunnerTest, TheAbortRuleStopsTheJobAndCancelsWhatIsNotDone) {
  for (const char* id : {"door-1", "door-2"}) {
    ASSERT_TRUE(
        fleet_.update({std::string("devices/") + id + "/status", R"({"online":false})", true}));
  }
  for (const char* id : {"door-3", "door-4", "door-5"}) online(id);
  Job job = method_job("SELECT * FROM devices");
  job.abort_failed_percent = 50;
  job.abort_min_devices = 2;
  const Job ended = run(job);
  EXPECT_EQ(ended.status, JobStatus::failed);
  EXPECT_EQ(ended.failure, "the abort rule stopped the job: 2 of 2 devices failed, more than 50 %");
  EXPECT_TRUE(broker_.published.empty());  // nothing was asked of the others
  const auto r = results(ended);
  for (const char* id : {"door-3", "door-4", "door-5"}) {
    EXPECT_EQ(r.at(id).status, DeviceStatus::canceled) << id;
    EXPECT_EQ(r.at(id).response, "not started: the job was aborted") << id;
  }
}

TEST_F(JobRunnerTest, AtItsThresholdTheAbortRuleLetsTheJobGoOn) {
  ASSERT_TRUE(fleet_.update({"devices/door-1/status", R"({"online":false})", true}));
  online("door-3");
  broker_.answers["door-3"] = {200, "{}"};
  Job job = method_job("SELECT * FROM devices");
  job.abort_failed_percent = 50;  // 1 of 2 is 50 %, not more
  job.abort_min_devices = 2;
  const Job ended = run(job);
  EXPECT_EQ(ended.status, JobStatus::completed) << ended.failure;
  EXPECT_EQ(results(ended).at("door-3").status, DeviceStatus::completed);
}

TEST_F(JobRunnerTest, ARequestTheBrokerRefusesFails500) {
  online("door-1");
  broker_.accept = false;
  const Job ended = run(method_job("SELECT * FROM devices"));
  const auto r = results(ended);
  EXPECT_EQ(r.at("door-1").status, DeviceStatus::failed);
  EXPECT_EQ(r.at("door-1").code, 500);
  EXPECT_EQ(r.at("door-1").response, "the request could not be sent");
}

TEST_F(JobRunnerTest, ALostConnectionFailsTheJobAndSaysWhy) {
  online("door-1");
  broker_.lose_connection();
  const Job ended = run(method_job("SELECT * FROM devices"));
  EXPECT_EQ(ended.status, JobStatus::failed);
  EXPECT_EQ(ended.failure, "the connection to the broker was lost");
  const auto r = results(ended);
  EXPECT_EQ(r.at("door-1").status, DeviceStatus::failed);
  EXPECT_NE(r.at("door-1").response.find("the connection to the broker was lost"),
            std::string::npos);
}

TEST_F(JobRunnerTest, AStoredQueryThatDoesNotParseFailsTheJob) {
  online("door-1");
  const Job ended = run(method_job("SELECT * FROM devices WHERE"));
  EXPECT_EQ(ended.status, JobStatus::failed);
  EXPECT_EQ(ended.failure.rfind("the stored query does not parse: ", 0), 0u) << ended.failure;
  EXPECT_TRUE(broker_.published.empty());
}

TEST_F(JobRunnerTest, ATwinUpdateWritesTheRetainedDesiredDocumentAboveTheNewestVersion) {
  online("door-1");
  ASSERT_TRUE(
      fleet_.update({"devices/door-1/twin/desired", R"({"building":"43","$version":4})", true}));
  Job job;
  job.type = JobType::update_twin;
  job.query = "SELECT * FROM devices";
  job.patch = R"({"floor":3})";
  const Job ended = run(job);
  EXPECT_EQ(ended.status, JobStatus::completed);
  ASSERT_EQ(broker_.published.size(), 1u);
  EXPECT_EQ(broker_.published[0].topic, "devices/door-1/twin/desired");
  EXPECT_TRUE(broker_.published[0].retained);
  EXPECT_EQ(broker_.published[0].payload, R"({"building":"43","floor":3,"$version":5})");
  EXPECT_EQ(results(ended).at("door-1").status, DeviceStatus::completed);
}

}  // namespace
}  // namespace door::scheduler
