#include "scheduler/job_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "scheduler/event_log.hpp"

namespace door::scheduler {
namespace {

constexpr int64_t kNow = 1800000000;

// A store file of its own for each test, removed afterwards.
class StoreFile {
 public:
  StoreFile()
      : path_(::testing::TempDir() + "job-store-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db") {
    remove_all();
  }
  ~StoreFile() { remove_all(); }
  const std::string& path() const { return path_; }
  // Runs SQL on the file as another program would.
  void exec(const char* sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

 private:
  void remove_all() const {
    for (const char* tail : {"", "-wal", "-shm"}) std::remove((path_ + tail).c_str());
  }
  std::string path_;
};

Job waiting_job(const std::string& id) {
  Job job;
  job.id = id;
  job.query = "SELECT * FROM devices";
  job.method = "lockDoor";
  job.start_time = kNow;
  return job;
}

DeviceResult result(const std::string& device, DeviceStatus status) {
  DeviceResult r;
  r.device_id = device;
  r.status = status;
  return r;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(JobStore, ARunBelongsToItsClaimantUntilItsLeaseExpires) {
  StoreFile file;
  JobStore a, b;
  std::string error;
  ASSERT_TRUE(a.open(file.path(), error)) << error;
  ASSERT_TRUE(b.open(file.path(), error)) << error;
  EXPECT_NE(a.owner(), b.owner());
  ASSERT_TRUE(a.add(waiting_job("j")));
  bool mine = false;
  ASSERT_TRUE(a.claim("j", 1, kNow, mine));
  EXPECT_TRUE(mine);
  ASSERT_TRUE(b.claim("j", 1, kNow, mine));
  EXPECT_FALSE(mine);
  // While the lease lives the run is not due anywhere, and cannot be taken over.
  std::vector<Job> due;
  ASSERT_TRUE(b.due(kNow + JobStore::kLeaseSeconds - 1, due));
  EXPECT_TRUE(due.empty());
  ASSERT_TRUE(b.take_over("j", kNow + JobStore::kLeaseSeconds - 1, mine));
  EXPECT_FALSE(mine);
  // Only the owner writes the run's devices.
  EXPECT_TRUE(a.save_result("j", 1, result("door-1", DeviceStatus::running)));
  EXPECT_FALSE(b.save_result("j", 1, result("door-1", DeviceStatus::pending)));
  EXPECT_EQ(b.error(), "job j run 1 is not this scheduler's to write");
  // A live owner renews its lease.
  bool owned = false;
  ASSERT_TRUE(a.renew("j", kNow + 20, owned));
  EXPECT_TRUE(owned);
  ASSERT_TRUE(b.take_over("j", kNow + JobStore::kLeaseSeconds, mine));
  EXPECT_FALSE(mine);
  // An owner that stopped renewing loses the run to the next scheduler, and can no longer write.
  ASSERT_TRUE(b.due(kNow + 20 + JobStore::kLeaseSeconds, due));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].status, JobStatus::running);
  ASSERT_TRUE(b.take_over("j", kNow + 20 + JobStore::kLeaseSeconds, mine));
  EXPECT_TRUE(mine);
  ASSERT_TRUE(a.renew("j", kNow + 60, owned));
  EXPECT_FALSE(owned);
  EXPECT_FALSE(a.save_result("j", 1, result("door-1", DeviceStatus::completed)));
  Job ended = *due.begin();
  ended.status = JobStatus::completed;
  EXPECT_FALSE(a.update(ended));
}

TEST(JobStore, ARunIsNeverStoredAsEndedWithDevicesOpen) {
  StoreFile file;
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  ASSERT_TRUE(store.add(waiting_job("j")));
  bool mine = false;
  ASSERT_TRUE(store.claim("j", 1, kNow, mine));
  ASSERT_TRUE(store.save_result("j", 1, result("door-1", DeviceStatus::completed)));
  ASSERT_TRUE(store.save_result("j", 1, result("door-2", DeviceStatus::running)));
  std::optional<Job> job;
  ASSERT_TRUE(store.get("j", job));
  ASSERT_TRUE(job);
  job->status = JobStatus::completed;
  EXPECT_FALSE(store.update(*job));
  EXPECT_TRUE(has(store.error(), "was not stored as completed")) << store.error();
  ASSERT_TRUE(store.save_result("j", 1, result("door-2", DeviceStatus::failed)));
  EXPECT_TRUE(store.update(*job)) << store.error();
  std::optional<Job> stored;
  ASSERT_TRUE(store.get("j", stored));
  EXPECT_EQ(stored->status, JobStatus::completed);
}

TEST(JobStore, ACancelStandsOverTheRunsOutcome) {
  StoreFile file;
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  ASSERT_TRUE(store.add(waiting_job("j")));
  bool mine = false, cancelled = false;
  ASSERT_TRUE(store.claim("j", 1, kNow, mine));
  ASSERT_TRUE(store.cancel("j", cancelled));
  EXPECT_TRUE(cancelled);
  std::optional<Job> job;
  ASSERT_TRUE(store.get("j", job));
  job->status = JobStatus::completed;
  EXPECT_TRUE(store.update(*job)) << store.error();
  ASSERT_TRUE(store.get("j", job));
  EXPECT_EQ(job->status, JobStatus::cancelled);
  ASSERT_TRUE(store.cancel("j", cancelled));
  EXPECT_FALSE(cancelled);
}

TEST(JobStore, AStoreOfAnotherProgramOrANewerVersionIsRefused) {
  std::string error;
  {
    StoreFile file;
    file.exec("CREATE TABLE jobs (x TEXT)");
    JobStore store;
    EXPECT_FALSE(store.open(file.path(), error));
    EXPECT_EQ(error, "the job store " + file.path() +
                         " is not a door-scheduler store (it holds other tables); give --store a "
                         "new file");
  }
  {
    StoreFile file;
    file.exec("PRAGMA application_id = 1148153714; PRAGMA user_version = 8");
    JobStore store;
    EXPECT_FALSE(store.open(file.path(), error));
    EXPECT_TRUE(has(error, "was made by a newer door-scheduler")) << error;
  }
  {
    StoreFile file;
    FILE* f = std::fopen(file.path().c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not a database at all, only some text\n", f);
    std::fclose(f);
    JobStore store;
    EXPECT_FALSE(store.open(file.path(), error));
    EXPECT_TRUE(has(error, "file is not a database")) << error;
  }
}

// SQL that takes a current store back to what an earlier layout lacked.
constexpr const char* kDropRollout =
    "ALTER TABLE jobs DROP COLUMN rate_increase_factor; ALTER TABLE jobs DROP COLUMN "
    "rate_increase_every; ALTER TABLE jobs DROP COLUMN abort_failed_percent; ALTER TABLE jobs "
    "DROP COLUMN abort_min_devices;";
constexpr const char* kDropHubJobs = "DROP TABLE hub_jobs;";
constexpr const char* kDropDesired = "DROP TABLE desired_documents;";

// A store with one job "kept" (and, when asked, one hub job "kept-on-hub"), then taken back by
// `sql` to an earlier layout.
void make_earlier_store(const StoreFile& file, const std::string& sql, bool with_hub_job) {
  {
    JobStore store;
    std::string error;
    ASSERT_TRUE(store.open(file.path(), error)) << error;
    ASSERT_TRUE(store.add(waiting_job("kept")));
    if (with_hub_job) {
      ASSERT_TRUE(store.add_hub_job({waiting_job("kept-on-hub"), "myhub.azure-devices.net"}));
    }
  }
  file.exec(sql.c_str());
}

// What a store of the current layout holds: jobs with the rollout rule, hub job records, desired
// documents; and the job it had before.
void expect_current_layout(JobStore& store) {
  std::optional<Job> kept;
  ASSERT_TRUE(store.get("kept", kept)) << store.error();
  ASSERT_TRUE(kept);
  Job rollout = waiting_job("rollout");
  rollout.rate_increase_factor = 2;
  rollout.rate_increase_every = 10;
  rollout.abort_failed_percent = 25;
  rollout.abort_min_devices = 8;
  ASSERT_TRUE(store.add(rollout)) << store.error();
  std::optional<Job> back;
  ASSERT_TRUE(store.get("rollout", back));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rate_increase_factor, 2);
  EXPECT_EQ(back->rate_increase_every, 10);
  EXPECT_EQ(back->abort_failed_percent, 25);
  EXPECT_EQ(back->abort_min_devices, 8);
  Job hub_job = waiting_job("on-hub");
  hub_job.recurrence = "every 60s";
  ASSERT_TRUE(store.add_hub_job({hub_job, "myhub.azure-devices.net"})) << store.error();
  EXPECT_FALSE(store.add_hub_job({hub_job, "myhub.azure-devices.net"}));
  EXPECT_EQ(store.error(), "a job with the id on-hub exists already in the store");
  hub_job.run = 2;
  hub_job.status = JobStatus::cancelled;
  ASSERT_TRUE(store.update_hub_job(hub_job)) << store.error();
  std::vector<JobStore::HubJob> records;
  ASSERT_TRUE(store.hub_jobs(records)) << store.error();
  bool found = false;
  for (const JobStore::HubJob& record : records) {
    if (record.job.id != "on-hub") continue;
    found = true;
    EXPECT_EQ(record.host, "myhub.azure-devices.net");
    EXPECT_EQ(record.job.recurrence, "every 60s");
    EXPECT_EQ(record.job.run, 2);
    EXPECT_EQ(record.job.status, JobStatus::cancelled);
  }
  EXPECT_TRUE(found);
  // A hub job is the hub's to run: the broker backend's serve never sees it as due.
  std::vector<Job> due;
  ASSERT_TRUE(store.due(kNow + 86400, due));
  for (const Job& j : due) EXPECT_NE(j.id, "on-hub");
  EXPECT_TRUE(store.save_desired("d1", {1, R"({"$version":1})"})) << store.error();
}

bool holds_hub_job(JobStore& store, const std::string& id) {
  std::vector<JobStore::HubJob> records;
  if (!store.hub_jobs(records)) return false;
  for (const JobStore::HubJob& record : records) {
    if (record.job.id == id) return true;
  }
  return false;
}

TEST(JobStore, AStoreFromBeforeLeasesIsKeptAndItsRunningJobsCanBeTakenOver) {
  StoreFile file;
  file.exec(R"sql(
    CREATE TABLE jobs (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, query TEXT NOT NULL,
      method TEXT NOT NULL, payload TEXT NOT NULL, patch TEXT NOT NULL,
      wait_for_ack INTEGER NOT NULL, response_timeout INTEGER NOT NULL,
      start_time INTEGER NOT NULL, max_execution INTEGER NOT NULL, recurrence TEXT NOT NULL,
      rate REAL NOT NULL, status TEXT NOT NULL, run INTEGER NOT NULL, created INTEGER NOT NULL,
      started INTEGER NOT NULL, ended INTEGER NOT NULL, failure TEXT NOT NULL);
    CREATE TABLE device_results (
      job_id TEXT NOT NULL, run INTEGER NOT NULL, device_id TEXT NOT NULL, status TEXT NOT NULL,
      code INTEGER NOT NULL, response TEXT NOT NULL, started INTEGER NOT NULL,
      ended INTEGER NOT NULL, PRIMARY KEY (job_id, run, device_id));
    INSERT INTO jobs VALUES ('old', 'scheduleDeviceMethod', 'SELECT * FROM devices', 'lockDoor',
      'null', '', 0, 30, 1800000000, 3600, '', 0, 'running', 1, 1800000000, 1800000000, 0, '');
    INSERT INTO jobs VALUES ('kept', 'scheduleDeviceMethod', 'SELECT * FROM devices', 'lockDoor',
      'null', '', 0, 30, 1900000000, 3600, '', 0, 'scheduled', 0, 1800000000, 0, 0, '');
  )sql");
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  std::vector<Job> due;
  ASSERT_TRUE(store.due(kNow, due));
  ASSERT_EQ(due.size(), 1u);
  bool mine = false;
  ASSERT_TRUE(store.take_over("old", kNow, mine));
  EXPECT_TRUE(mine);
  JobStore again;
  ASSERT_TRUE(again.open(file.path(), error)) << error;
  // It holds every later part from now on.
  expect_current_layout(again);
}

TEST(JobStore, ALayout2StoreKeepsItsJobsAndTakesEveryLaterPart) {
  StoreFile file;
  make_earlier_store(
      file, std::string(kDropDesired) + kDropHubJobs + kDropRollout + "PRAGMA user_version = 2",
      false);
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  expect_current_layout(store);
}

TEST(JobStore, ALayout3StoreKeepsItsJobsAndTakesRolloutAndHubJobs) {
  StoreFile file;
  make_earlier_store(file, std::string(kDropHubJobs) + kDropRollout + "PRAGMA user_version = 3",
                     false);
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  std::optional<Job> kept;
  ASSERT_TRUE(store.get("kept", kept));
  ASSERT_TRUE(kept);
  EXPECT_LT(kept->abort_failed_percent, 0);  // no abort rule
  expect_current_layout(store);
}

// Layout 4 was made twice: with the hub jobs table (IoT Hub backend) or with the rollout columns
// (rollout control). A store of either opens and gains the other.
TEST(JobStore, ALayout4StoreWithHubJobsKeepsThemAndTakesTheRolloutRule) {
  StoreFile file;
  make_earlier_store(file, std::string(kDropRollout) + "PRAGMA user_version = 4", true);
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  EXPECT_TRUE(holds_hub_job(store, "kept-on-hub"));
  expect_current_layout(store);
}

TEST(JobStore, ALayout4StoreWithRolloutKeepsItsRuleAndRecordsHubJobs) {
  StoreFile file;
  {
    JobStore store;
    std::string error;
    ASSERT_TRUE(store.open(file.path(), error)) << error;
    Job rule = waiting_job("rule");
    rule.abort_failed_percent = 10;
    rule.abort_min_devices = 4;
    ASSERT_TRUE(store.add(rule));
  }
  make_earlier_store(file, std::string(kDropHubJobs) + "PRAGMA user_version = 4", false);
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  std::optional<Job> rule;
  ASSERT_TRUE(store.get("rule", rule));
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->abort_failed_percent, 10);
  EXPECT_EQ(rule->abort_min_devices, 4);
  expect_current_layout(store);
}

// Layout 6 named the recorder's broker session door-events-<8 hex digits>, an id a device could
// take; the store renames it into the scheduler's own prefix, with a part no one can guess.
TEST(JobStore, ALayout6StoreMovesItsRecorderIntoTheSchedulersPrefix) {
  StoreFile file;
  make_earlier_store(file,
                     "UPDATE event_recorder SET client_id = 'door-events-1a2b3c4d';"
                     "PRAGMA user_version = 6",
                     false);
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  EventLog log(store);
  EventLog::Recorder recorder;
  ASSERT_TRUE(log.hold_recorder(kNow, recorder)) << store.error();
  EXPECT_EQ(recorder.client_id.rfind("door-scheduler-events-", 0), 0u) << recorder.client_id;
  EXPECT_EQ(recorder.client_id.size(), std::string("door-scheduler-events-").size() + 32);
  expect_current_layout(store);
}

TEST(JobStore, TheTwinStoreNeverTakesAVersionTwiceOrAnOlderOne) {
  StoreFile file;
  JobStore store;
  std::string error;
  ASSERT_TRUE(store.open(file.path(), error)) << error;
  std::optional<JobStore::DesiredDocument> stored;
  ASSERT_TRUE(store.desired("d1", stored));
  EXPECT_FALSE(stored);
  ASSERT_TRUE(store.save_desired("d1", {2, R"({"floor":3,"$version":2})"})) << store.error();
  EXPECT_FALSE(store.save_desired("d1", {2, R"({"floor":4,"$version":2})"}));
  EXPECT_EQ(store.error(), "the job store holds a newer desired document for d1 than $version 2");
  EXPECT_FALSE(store.save_desired("d1", {1, R"({"floor":5,"$version":1})"}));
  ASSERT_TRUE(store.desired("d1", stored));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->document, R"({"floor":3,"$version":2})");
  ASSERT_TRUE(store.save_desired("d1", {3, R"({"floor":6,"$version":3})"}));
  std::map<std::string, JobStore::DesiredDocument> all;
  ASSERT_TRUE(store.all_desired(all));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all["d1"].version, 3);
}

}  // namespace
}  // namespace door::scheduler
