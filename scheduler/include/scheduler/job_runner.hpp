#pragma once
// Runs one run of a job: selects the devices its query matches, invokes the method on each (or
// writes the desired patch into each retained desired document), at most `rate` devices a second
// (a rate that may grow as devices succeed), and records every device's result: answered, failed
// with a reason (offline, an error status, no answer in time), or canceled. A job ends completed
// (whatever the devices answered), failed (its maxExecutionTimeInSeconds ran out, the connection to
// the broker was lost, or the abort rule stopped it: the devices not yet done are then canceled) or
// cancelled.
//
// Results are kept in memory until the store has them: while another process keeps the store
// locked they are written again every pass, and a run ends only once every result is stored, so
// a run is never stored as ended with devices still open. The runner renews its lease on the job
// while it runs, and stops without writing if another scheduler took the run over.
#include <functional>
#include <map>
#include <set>
#include <string>

#include "scheduler/broker_link.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler {

// Told of every change, for live progress.
using ProgressFn = std::function<void(const Job&, const Statistics&, const DeviceResult&)>;
// Told what the operator should know beyond the devices' results: the store locked and available
// again.
using NoticeFn = std::function<void(const Job&, const std::string&)>;
// Told at least every 250 ms while the run goes on, also while no device changes (a progress bar
// that keeps time while devices run into their timeouts).
using TickFn = std::function<void(const Job&, const Statistics&)>;

class JobRunner {
 public:
  JobRunner(BrokerLink& client, Fleet& fleet, JobStore& store, ProgressFn progress = {},
            NoticeFn notice = {}, TickFn tick = {});

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
  // Ends every device still pending or running, with the reason that fits each.
  void end_open_devices(Job& job, DeviceStatus status, const std::string& running_reason,
                        const std::string& pending_reason);
  // Within an open batch: renews the lease when due and writes the results the store lacks.
  // False when the run is no longer this process's.
  bool save(const Job& job, JobStore::Batch& pass);
  // Tells once that the store does not take results, until it does again.
  void note_store_failure(const Job& job);
  void on_message(Job& job, const Message& message);
  // Rollout control: the rate grown as the job's succeeded devices allow, and whether the abort
  // rule stops the job now (then with the reason).
  void grow_rate(const Job& job);
  bool abort_due(const Job& job, std::string& why) const;
  void check_acknowledgement(Job& job, const std::string& device_id);
  // False with the device's status code and reason when the document cannot be written.
  bool write_desired(const Job& job, const std::string& device_id, int64_t& version, int& code,
                     std::string& error);

  BrokerLink& client_;
  Fleet& fleet_;
  JobStore& store_;
  ProgressFn progress_;
  NoticeFn notice_;
  TickFn tick_;
  std::set<std::string> unsaved_;  // devices whose result the store does not have yet
  bool store_failing_ = false;     // the last write failed (told once, until it works again)
  int64_t next_renewal_ms_ = 0;
  std::map<std::string, DeviceResult> results_;
  std::map<std::string, Pending> pending_;  // by rid (methods) or device id (twin updates)
  std::set<std::pair<int64_t, std::string>> deadlines_;  // of pending_, with their keys
  Statistics statistics_;                                // of results_, kept as they change
  int next_request_ = 0;
  double rate_ = 0;             // devices started per second now; 0: no limit
  int next_rate_increase_ = 0;  // the succeeded count at which the rate grows next
};

}  // namespace door::scheduler
