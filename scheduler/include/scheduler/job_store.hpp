#pragma once
// Jobs and per-device results in SQLite, so scheduled work survives a restart of the scheduler.
// Several scheduler processes may share one store: a job is run by whoever claims it first.
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "scheduler/job.hpp"

namespace door::scheduler {

class JobStore {
 public:
  JobStore() = default;
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // Opens (creating the file and its folder as needed, mode 0600); false with a reason.
  bool open(const std::string& path, std::string& error);

  bool add(const Job& job, std::string& error);  // fails when the id exists
  std::optional<Job> get(const std::string& id);
  std::vector<Job> all();
  // Jobs whose start time has come (queued or scheduled), oldest first, and running jobs left
  // behind by a scheduler that stopped.
  std::vector<Job> due(int64_t now);
  // Marks the job running for its next run if it is still waiting; false if another took it.
  bool claim(const std::string& id, int run, int64_t now);
  bool update(const Job& job);
  // Cancels a job that has not ended; false when there is no such job or it has ended.
  bool cancel(const std::string& id);
  bool cancelled(const std::string& id);

  // Writes made while a Batch lives go to disk together when it commits (or ends): one sync for
  // many results. Commit before waiting, so other schedulers are not kept from the store.
  class Batch {
   public:
    explicit Batch(JobStore& store);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

   private:
    JobStore& store_;
    bool open_ = false;
  };

  bool save_result(const std::string& job_id, int run, const DeviceResult& result);
  std::vector<DeviceResult> results(const std::string& job_id, int run);
  Statistics statistics(const std::string& job_id, int run);

 private:
  bool exec(const char* sql);
  Job read_job(sqlite3_stmt* statement);
  std::vector<Job> jobs_where(const std::string& condition, int64_t parameter);

  sqlite3* db_ = nullptr;
};

}  // namespace door::scheduler
