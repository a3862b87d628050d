// door-scheduler under faults: the broker restarting or dying, two schedulers on one store, a store
// another process keeps locked or that another program made, with real agents and real processes.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>

#include "mqtt_client.hpp"
#include "scheduler_fixture.hpp"
#include "thread_usage.hpp"

namespace door::test {
namespace {

using SchedulerFaults = SchedulerFleet;

// Another process's write lock on a store (BEGIN EXCLUSIVE), held until destruction.
class StoreLock {
 public:
  explicit StoreLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);
    locked_ = sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~StoreLock() { sqlite3_close_v2(db_); }  // rolls the open transaction back
  bool locked() const { return locked_; }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

// A store file made by another program.
void make_foreign_store(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "CREATE TABLE jobs (x TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// A device that is online and never answers.
void publish_silent_device(MqttClient& client, const std::string& id) {
  ASSERT_EQ(client.connect(), "");
  ASSERT_TRUE(client.publish("devices/" + id + "/status", R"({"online":true})", 1, true));
}

bool exited_with(Process& p, int code) {
  const auto status = p.wait_exit(30s);
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

// The share of one core the process used between two calls.
class CpuWindow {
 public:
  explicit CpuWindow(pid_t pid)
      : pid_(pid), cpu_ns_(cpu_ns(pid)), start_(std::chrono::steady_clock::now()) {}
  double share() const {
    const auto wall = std::chrono::steady_clock::now() - start_;
    return static_cast<double>(cpu_ns(pid_) - cpu_ns_) /
           static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count());
  }

 private:
  pid_t pid_;
  long long cpu_ns_;
  std::chrono::steady_clock::time_point start_;
};

TEST_F(SchedulerFaults, ServeComesBackAfterABrokerRestartAndIdlesMeanwhile) {
  Process serve(cli_.argv({"serve"}));
  ASSERT_TRUE(serve.wait_for_output("serving jobs", 30s)) << serve.output();
  broker_.stop();
  // Once this spun at 100 % of a core and every later job failed.
  const auto lost = serve.wait_for_line("connection to the broker lost", 30s);
  ASSERT_TRUE(lost) << serve.output();
  const CpuWindow down(serve.pid());
  ASSERT_TRUE(serve.wait_for_count("reconnecting in", 3, 30s, *lost)) << serve.output();
  EXPECT_LT(down.share(), 0.2) << serve.output();

  std::map<std::string, std::size_t> before_start;
  for (auto& [id, agent] : agents_) before_start[id] = agent->process().line_count();
  broker_.start();
  for (auto& [id, agent] : agents_) {
    ASSERT_TRUE(agent->wait_online(30s, before_start[id])) << agent->process().output();
  }
  ASSERT_TRUE(serve.wait_for_output("reconnected to the broker", 60s, *lost)) << serve.output();

  const CpuWindow idle(serve.pid());
  ASSERT_EQ(
      scheduler({"schedule", "method", "--query", "SELECT * FROM devices", "--method", "lockDoor",
                 "--payload", R"({"lockTime":"10m"})", "--in", "2s", "--id", "after-restart"})
          .exit_code,
      0);
  ASSERT_TRUE(serve.wait_for_output("job after-restart: run 1 started", 30s)) << serve.output();
  EXPECT_LT(idle.share(), 0.2) << serve.output();
  EXPECT_TRUE(serve.wait_for_output(
      "job after-restart completed: deviceCount 3, succeeded 3, failed 0", 30s))
      << serve.output();
  serve.signal(SIGTERM);
  EXPECT_TRUE(exited_with(serve, 0)) << serve.output();
}

TEST_F(SchedulerFaults, WaitSaysTheConnectionToTheBrokerWasLost) {
  MqttClient silent(scheduler_options(broker_));
  publish_silent_device(silent, "door-9");
  Process running(
      cli_.argv({"schedule", "method", "--query", "deviceId IN ['door-1','door-9']", "--method",
                 "getDoorState", "--timeout", "30", "--id", "cut", "--wait"}));
  ASSERT_TRUE(running.wait_for_output("door-1               completed", 30s)) << running.output();
  broker_.stop();
  EXPECT_TRUE(exited_with(running, 1)) << running.output();
  // Once each device was blamed with a 504 after its timeout, and the broker not mentioned.
  EXPECT_TRUE(has(running.output(),
                  "door-9               failed      0 the connection to the broker was lost "
                  "before the device answered"))
      << running.output();
  EXPECT_TRUE(has(running.output(), "job cut failed: deviceCount 2, succeeded 1, failed 1"))
      << running.output();
  EXPECT_TRUE(has(running.output(), "failed: the connection to the broker was lost"))
      << running.output();
  EXPECT_FALSE(has(running.output(), "504")) << running.output();
}

TEST_F(SchedulerFaults, TwoServesOnOneStoreAskEachDeviceOnce) {
  MqttClient watcher(scheduler_options(broker_));  // sees every request, and is door-9
  publish_silent_device(watcher, "door-9");
  ASSERT_TRUE(watcher.subscribe("devices/+/methods/POST/#"));
  Process first(cli_.argv({"serve"}));
  ASSERT_TRUE(first.wait_for_output("serving jobs", 30s)) << first.output();
  // One device a second and a device that never answers: the run lasts over 10 s.
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "SELECT * FROM devices", "--method",
                       "lockDoor", "--payload", R"({"lockTime":"10m"})", "--rate", "1", "--timeout",
                       "10", "--id", "once"})
                .exit_code,
            0);
  ASSERT_TRUE(first.wait_for_output("job once: run 1 started", 30s)) << first.output();
  // Once the second one "resumed" the run still in progress and asked the devices again.
  Process second(cli_.argv({"serve"}));
  ASSERT_TRUE(second.wait_for_output("serving jobs", 30s)) << second.output();
  ASSERT_TRUE(
      first.wait_for_output("job once completed: deviceCount 4, succeeded 3, failed 1", 60s))
      << first.output();
  for (Process* p : {&first, &second}) {
    p->signal(SIGTERM);
    EXPECT_TRUE(exited_with(*p, 0)) << p->output();
  }
  EXPECT_FALSE(has(second.output(), "job once")) << second.output();
  // Every request either scheduler sent has reached the watcher before this marker.
  ASSERT_TRUE(watcher.subscribe("devices/watcher/marker"));
  ASSERT_TRUE(watcher.publish("devices/watcher/marker", ""));
  std::map<std::string, int> requests;
  for (;;) {
    const auto m = watcher.receive(10s);
    ASSERT_TRUE(m);
    if (m->topic == "devices/watcher/marker") break;
    ++requests[m->topic.substr(0, m->topic.find("/methods/"))];
  }
  const std::map<std::string, int> once = {
      {"devices/door-1", 1}, {"devices/door-2", 1}, {"devices/door-3", 1}, {"devices/door-9", 1}};
  EXPECT_EQ(requests, once);
}

TEST_F(SchedulerFaults, AResultIsKeptWhileTheStoreIsLockedAndWrittenAfterwards) {
  MqttClient silent(scheduler_options(broker_));
  publish_silent_device(silent, "door-9");
  Process serve(cli_.argv({"serve"}));
  ASSERT_TRUE(serve.wait_for_output("serving jobs", 30s)) << serve.output();
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId IN ['door-1','door-9']",
                       "--method", "getDoorState", "--timeout", "3", "--id", "locked-run"})
                .exit_code,
            0);
  ASSERT_TRUE(serve.wait_for_output("job locked-run: run 1 started", 30s)) << serve.output();
  {
    // door-9's 504 comes while another process holds the store longer than the bounded wait.
    const StoreLock lock(cli_.store_path());
    ASSERT_TRUE(lock.locked());
    // Once the result was lost with nothing printed, and the job stored as completed with door-9
    // still running.
    ASSERT_TRUE(serve.wait_for_output("job locked-run: store locked: ", 30s)) << serve.output();
    EXPECT_TRUE(has(serve.output(), "kept in memory and written again every second"))
        << serve.output();
  }
  ASSERT_TRUE(
      serve.wait_for_output("job locked-run completed: deviceCount 2, succeeded 1, failed 1", 30s))
      << serve.output();
  EXPECT_TRUE(has(serve.output(), "job locked-run: the job store takes results again"))
      << serve.output();
  serve.signal(SIGTERM);
  EXPECT_TRUE(exited_with(serve, 0)) << serve.output();
  const CliResult job = scheduler({"job", "locked-run"});
  EXPECT_TRUE(has(job.output, "door-9               failed    504 no answer within 3 s"))
      << job.output;
  EXPECT_TRUE(has(job.output, "running 0, pending 0")) << job.output;
}

TEST_F(SchedulerFaults, ALockedStoreIsReportedAsLocked) {
  ASSERT_EQ(scheduler({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                       "getDoorState", "--in", "1h", "--id", "j1"})
                .exit_code,
            0);
  const StoreLock lock(cli_.store_path());
  ASSERT_TRUE(lock.locked());
  // Once: "no job j1 that is waiting or running".
  const CliResult cancel = scheduler({"cancel", "j1"});
  EXPECT_EQ(cancel.exit_code, 1) << cancel.output;
  EXPECT_TRUE(has(cancel.output, "door-scheduler: store locked: " + cli_.store_path() +
                                     " is write-locked by another process; gave up after 5 s "
                                     "waiting to cancel the job\n"))
      << cancel.output;
  const CliResult add = scheduler({"schedule", "method", "--query", "deviceId = 'door-1'",
                                   "--method", "getDoorState", "--in", "1h", "--id", "j2"});
  EXPECT_EQ(add.exit_code, 1) << add.output;
  EXPECT_TRUE(has(add.output, "store locked")) << add.output;
  // Reading does not need the lock.
  const CliResult jobs = scheduler({"jobs"});
  EXPECT_EQ(jobs.exit_code, 0) << jobs.output;
  EXPECT_TRUE(has(jobs.output, "j1")) << jobs.output;
}

TEST_F(SchedulerFaults, AStoreOfAnotherProgramIsRefused) {
  TempDir dir;
  const std::string foreign = dir.file("other.db");
  make_foreign_store(foreign);
  const std::string text = dir.write("notes.txt", "not a database at all, only some text\n");
  for (const std::string& store : {foreign, text}) {
    // Once an empty list with exit status 0, and a silent serve.
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"--store", store, "jobs"},
          std::vector<std::string>{"--store", store, "serve"}}) {
      const CliResult r = scheduler(command);
      EXPECT_EQ(r.exit_code, 1) << r.output;
      EXPECT_TRUE(has(r.output, "door-scheduler: the job store " + store)) << r.output;
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    }
  }
  EXPECT_TRUE(has(scheduler({"--store", foreign, "jobs"}).output,
                  "is not a door-scheduler store (it holds other tables)"));
}

}  // namespace
}  // namespace door::test
