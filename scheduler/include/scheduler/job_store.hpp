#pragma once
// Jobs and per-device results in SQLite, so scheduled work survives a restart of the scheduler
// (the door events in the same file are EventLog's).
// Several scheduler processes may share one store. A run belongs to the process that claimed it:
// its owner id and a lease the owner renews while it runs are in the job's row, and only the owner
// writes the run's device results. A running job is taken over only when its lease has expired
// (its owner stopped or hung), never while the owner lives.
//
// Every call that can fail says so, and error() tells why in one line: a store another process
// keeps write-locked beyond the bounded wait reads "store locked", distinct from other failures.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/job.hpp"

namespace door::scheduler {

class JobStore {
 public:
  // How long a claim holds without renewal; a live owner renews it every kLeaseRenewSeconds.
  static constexpr int64_t kLeaseSeconds = 30;
  static constexpr int64_t kLeaseRenewSeconds = 5;
  // How long a call waits for another process's write lock before it gives up.
  static constexpr int kBusyWaitMs = 5000;

  JobStore() = default;
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // Opens (creating the file and its folder as needed, mode 0600); false with a reason, also for a
  // file that is not a store of this program (another schema, a newer version, not SQLite).
  [[nodiscard]] bool open(const std::string& path, std::string& error);

  const std::string& error() const { return error_; }
  // Whether the last failure was the store being locked, which trying again may cure.
  bool locked() const { return locked_; }
  // This process's owner id in claimed jobs.
  const std::string& owner() const { return owner_; }

  [[nodiscard]] bool add(const Job& job);  // fails when the id exists
  [[nodiscard]] bool get(const std::string& id, std::optional<Job>& out);
  [[nodiscard]] bool all(std::vector<Job>& out);
  // Jobs whose start time has come (queued or scheduled), oldest first, and running jobs whose
  // owner's lease expired before `now`.
  [[nodiscard]] bool due(int64_t now, std::vector<Job>& out);
  // Claims a waiting job for run `run`: claimed is false if another process took it first or it
  // was cancelled.
  [[nodiscard]] bool claim(const std::string& id, int run, int64_t now, bool& claimed);
  // Takes over a running job whose lease expired; taken is false while its owner renews it.
  [[nodiscard]] bool take_over(const std::string& id, int64_t now, bool& taken);
  // Extends this process's lease; owned is false when another process took the job over.
  [[nodiscard]] bool renew(const std::string& id, int64_t now, bool& owned);
  // Stores the job's status, run and times, if this process owns it and it is not cancelled, and
  // releases the lease. Never makes a run completed while its devices are pending or running.
  [[nodiscard]] bool update(const Job& job);
  // Cancels a job that has not ended; cancelled is false when there is no such job or it ended.
  [[nodiscard]] bool cancel(const std::string& id, bool& cancelled);
  [[nodiscard]] bool cancelled(const std::string& id, bool& out);
  // Deletes the jobs that ended (completed, failed, cancelled) before `before`, with their devices'
  // results; a job waiting or running, or a repeating job between runs, stays.
  [[nodiscard]] bool purge(int64_t before, int& removed);

  // Writes made while a Batch is open go to disk together when it commits: one sync for many
  // results. Commit before waiting, so other schedulers are not kept from the store. A Batch that
  // could not begin (the store locked) is not open: its writes would each wait for the lock.
  class Batch {
   public:
    // what: the work it is for, as a failure to begin names it ("cancel the job").
    Batch(JobStore& store, const char* what);
    ~Batch();  // rolls back what was not committed
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    bool open() const { return open_; }
    [[nodiscard]] bool commit();

   private:
    JobStore& store_;
    bool open_ = false;
  };

  // Only the run's owner stores results: false for any other process.
  [[nodiscard]] bool save_result(const std::string& job_id, int run, const DeviceResult& result);
  [[nodiscard]] bool results(const std::string& job_id, int run, std::vector<DeviceResult>& out);
  [[nodiscard]] bool statistics(const std::string& job_id, int run, Statistics& out);

  // The twin store: each device's desired document and $version as the scheduler last wrote it,
  // the copy that outlives a broker that lost its retained messages.
  struct DesiredDocument {
    int64_t version = 0;
    std::string document;  // the full document, "$version" included
  };
  [[nodiscard]] bool desired(const std::string& device_id, std::optional<DesiredDocument>& out);
  [[nodiscard]] bool all_desired(std::map<std::string, DesiredDocument>& out);
  // Stores a document whose $version is above the stored one; false (and nothing changed) for any
  // other, so two writers never store one version twice.
  [[nodiscard]] bool save_desired(const std::string& device_id, const DesiredDocument& document);

  // The jobs created on IoT Hub, each with the host of its hub: the hub runs them, this is the
  // record of where they live. A record with a recurrence is the template serve creates one hub
  // job from per occurrence (ID-RUN).
  struct HubJob {
    Job job;
    std::string host;
  };
  [[nodiscard]] bool add_hub_job(const HubJob& record);  // fails when the id exists
  [[nodiscard]] bool hub_jobs(std::vector<HubJob>& out);
  // Stores the status, run and start time the hub or serve last gave the job.
  [[nodiscard]] bool update_hub_job(const Job& job);

 private:
  enum class Layout { current, previous, empty, unversioned, newer, foreign };

  [[nodiscard]] bool exec(const char* sql);
  [[nodiscard]] bool failed(const char* what);  // sets error_ from SQLite's, returns false
  [[nodiscard]] bool inspect(Layout& layout);
  [[nodiscard]] bool set_up(Layout layout);
  Job read_job(sqlite3_stmt* statement);
  [[nodiscard]] bool jobs_where(const std::string& condition, int64_t parameter,
                                std::vector<Job>& out);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::string owner_;
  std::string error_;
  bool locked_ = false;
  // What inspect() found: whether the store has each part a layout added after the first.
  bool found_desired_ = false;
  bool found_rollout_ = false;  // the rollout columns of jobs
  bool found_hub_jobs_ = false;
  bool found_events_ = false;

  // The door events live in the same file, under the same lock and layout.
  friend class EventLog;
};

}  // namespace door::scheduler
