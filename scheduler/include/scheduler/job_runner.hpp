#pragma once
// Runs one run of a job: selects the devices its query matches, invokes the method on each (or
// writes the desired patch into each retained desired document), at most `rate` devices a second,
// and records every device's result: answered, failed with a reason (offline, an error status, no
// answer in time), or canceled. A job ends completed (whatever the devices answered), failed (its
// maxExecutionTimeInSeconds ran out) or cancelled.
#include <functional>
#include <map>
#include <set>
#include <string>

#include "scheduler/broker_client.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler {

// Told of every change, for live progress.
using ProgressFn = std::function<void(const Job&, const Statistics&, const DeviceResult&)>;

class JobRunner {
 public:
  JobRunner(BrokerClient& client, Fleet& fleet, JobStore& store, ProgressFn progress = {});

  // The job must be claimed (running, with its run number). Returns it as it ended.
  Job run(Job job);

 private:
  struct Pending {
    std::string device_id;
    int64_t deadline_ms = 0;
    int64_t version = 0;  // twin updates: the desired $version to be acknowledged
  };

  void set_status(DeviceResult& result, DeviceStatus status);
  void add_pending(const std::string& key, Pending pending);
  void erase_pending(std::map<std::string, Pending>::iterator p);
  void start_device(Job& job, DeviceResult& result);
  void finish(Job& job, DeviceResult& result, DeviceStatus status, int code, std::string response);
  void on_message(Job& job, const Message& message);
  void check_acknowledgement(Job& job, const std::string& device_id);
  bool write_desired(const Job& job, const std::string& device_id, int64_t& version,
                     std::string& error);

  BrokerClient& client_;
  Fleet& fleet_;
  JobStore& store_;
  ProgressFn progress_;
  std::map<std::string, DeviceResult> results_;
  std::map<std::string, Pending> pending_;  // by rid (methods) or device id (twin updates)
  std::set<std::pair<int64_t, std::string>> deadlines_;  // of pending_, with their keys
  Statistics statistics_;                                // of results_, kept as they change
  int next_request_ = 0;
};

}  // namespace door::scheduler
