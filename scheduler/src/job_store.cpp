#include "scheduler/job_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "sqlite_statement.hpp"

namespace door::scheduler {

namespace {

using sql::bind;
using sql::column_text;
using sql::prepare;
using sql::Statement;

// PRAGMA application_id of a door-scheduler store ("Door"), and PRAGMA user_version of its layout.
// Version 1 is the layout stores had before they were tagged: the same tables without the lease.
// Version 2 had no desired documents, version 3 neither rollout control nor a record of the jobs
// created on IoT Hub. Two layouts 4 were made, each with one of the two: rollout columns in jobs,
// or the hub_jobs table; a store of either is told apart by its tables and columns. Version 5 had
// no door events, version 6 a recorder client id outside the scheduler's prefix.
constexpr int kApplicationId = 0x446f6f72;
constexpr int kSchemaVersion = 7;
constexpr int kOldestMigratedVersion = 2;

// The jobs created on IoT Hub: the hub runs them; the record says where each lives (host), so
// `jobs` lists them without the hub. A row with a recurrence is a template: serve creates one hub
// job per occurrence, named ID-RUN.
#define HUB_JOBS_TABLE                                                                           \
  "CREATE TABLE hub_jobs (id TEXT PRIMARY KEY, host TEXT NOT NULL, type TEXT NOT NULL, "         \
  "query TEXT NOT NULL, method TEXT NOT NULL, payload TEXT NOT NULL, patch TEXT NOT NULL, "      \
  "response_timeout INTEGER NOT NULL, start_time INTEGER NOT NULL, max_execution INTEGER NOT "   \
  "NULL, recurrence TEXT NOT NULL, status TEXT NOT NULL, run INTEGER NOT NULL, created INTEGER " \
  "NOT NULL);"

// The recorder's MQTT client id: under the prefix no device may take (door-fleet refuses it), with
// a part no one can guess.
#define RECORDER_CLIENT_ID "'door-scheduler-events-' || lower(hex(randomblob(16)))"

// The door events the devices publish (the audit log), each stored once: epoch counts the device's
// sequences (1, then one more each time its seq began again: it lost its journal), 0 for events
// without a seq (older agents), which the unique index cannot tell apart. at is the device's time,
// NULL when its clock was not set. The recorder's row names the MQTT client id of the store's
// persistent broker session and the process that holds it now, under a lease as job runs have.
#define EVENT_TABLES                                                                              \
  "CREATE TABLE door_events (device_id TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER, "      \
  "received INTEGER NOT NULL, at INTEGER, event TEXT NOT NULL, alarm TEXT, active INTEGER, "      \
  "dropped_from INTEGER, dropped_to INTEGER, payload TEXT NOT NULL);"                             \
  "CREATE UNIQUE INDEX door_events_once ON door_events (device_id, epoch, seq);"                  \
  "CREATE TABLE event_recorder (id INTEGER PRIMARY KEY CHECK (id = 1), client_id TEXT NOT NULL, " \
  "owner TEXT NOT NULL, lease_expiry INTEGER NOT NULL);"                                          \
  "INSERT INTO event_recorder VALUES (1, " RECORDER_CLIENT_ID ", '', 0);"

constexpr const char* kSchema = R"sql(
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, query TEXT NOT NULL,
  method TEXT NOT NULL, payload TEXT NOT NULL, patch TEXT NOT NULL, wait_for_ack INTEGER NOT NULL,
  response_timeout INTEGER NOT NULL, start_time INTEGER NOT NULL, max_execution INTEGER NOT NULL,
  recurrence TEXT NOT NULL, rate REAL NOT NULL, status TEXT NOT NULL, run INTEGER NOT NULL,
  created INTEGER NOT NULL, started INTEGER NOT NULL, ended INTEGER NOT NULL, failure TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '', lease_expiry INTEGER NOT NULL DEFAULT 0,
  rate_increase_factor REAL NOT NULL DEFAULT 0, rate_increase_every INTEGER NOT NULL DEFAULT 0,
  abort_failed_percent REAL NOT NULL DEFAULT -1, abort_min_devices INTEGER NOT NULL DEFAULT 1);
CREATE TABLE device_results (
  job_id TEXT NOT NULL, run INTEGER NOT NULL, device_id TEXT NOT NULL, status TEXT NOT NULL,
  code INTEGER NOT NULL, response TEXT NOT NULL, started INTEGER NOT NULL, ended INTEGER NOT NULL,
  PRIMARY KEY (job_id, run, device_id));
CREATE TABLE desired_documents (
  device_id TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL);
)sql" HUB_JOBS_TABLE EVENT_TABLES R"sql(
PRAGMA application_id = 1148153714;
PRAGMA user_version = 7;
)sql";
static_assert(kApplicationId == 1148153714 && kSchemaVersion == 7, "kSchema's PRAGMAs");

constexpr const char* kAddLease = R"sql(
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expiry INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr const char* kAddDesiredDocuments = R"sql(
CREATE TABLE desired_documents (
  device_id TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL);
)sql";

constexpr const char* kAddHubJobs = HUB_JOBS_TABLE;
#undef HUB_JOBS_TABLE

constexpr const char* kAddEvents = EVENT_TABLES;
#undef EVENT_TABLES

constexpr const char* kRenameRecorder = "UPDATE event_recorder SET client_id = " RECORDER_CLIENT_ID
                                        " WHERE client_id NOT LIKE 'door-scheduler-%';";
#undef RECORDER_CLIENT_ID

constexpr const char* kAddRollout = R"sql(
ALTER TABLE jobs ADD COLUMN rate_increase_factor REAL NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN rate_increase_every INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN abort_failed_percent REAL NOT NULL DEFAULT -1;
ALTER TABLE jobs ADD COLUMN abort_min_devices INTEGER NOT NULL DEFAULT 1;
)sql";

constexpr const char* kTagCurrent = R"sql(
PRAGMA application_id = 1148153714;
PRAGMA user_version = 7;
)sql";

constexpr const char* kUnversionedJobs =
    "id,type,query,method,payload,patch,wait_for_ack,response_timeout,start_time,max_execution,"
    "recurrence,rate,status,run,created,started,ended,failure";
constexpr const char* kResultColumns = "job_id,run,device_id,status,code,response,started,ended";

constexpr const char* kJobColumns =
    "id, type, query, method, payload, patch, wait_for_ack, response_timeout, start_time, "
    "max_execution, recurrence, rate, status, run, created, started, ended, failure, "
    "rate_increase_factor, rate_increase_every, abort_failed_percent, abort_min_devices";

// Whether a comma-separated list of names (group_concat) holds `name`.
bool lists(const std::string& names, const std::string& name) {
  return ("," + names + ",").find("," + name + ",") != std::string::npos;
}

bool make_parent_folder(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return true;
  const std::string folder = path.substr(0, slash);
  struct stat st {};
  if (stat(folder.c_str(), &st) == 0) return true;
  if (!make_parent_folder(folder)) return false;
  return mkdir(folder.c_str(), 0700) == 0 || errno == EEXIST;
}

// Unique among the processes sharing a store: host, process id and a random part (a process id
// is reused after a restart).
std::string make_owner() {
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  std::random_device random;
  char tail[16];
  std::snprintf(tail, sizeof tail, "%08x", static_cast<unsigned>(random()));
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + tail;
}

}  // namespace

JobStore::~JobStore() {
  if (db_ != nullptr) sqlite3_close(db_);
}

bool JobStore::failed(const char* what) {
  const int code = sqlite3_errcode(db_) & 0xff;
  locked_ = code == SQLITE_BUSY || code == SQLITE_LOCKED;
  if (locked_) {
    error_ = "store locked: " + path_ + " is write-locked by another process; gave up after " +
             std::to_string(kBusyWaitMs / 1000) + " s waiting to " + what;
  } else {
    error_ = "the job store " + path_ + " failed to " + what + ": " + sqlite3_errmsg(db_);
  }
  return false;
}

bool JobStore::exec(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

bool JobStore::inspect(Layout& layout) {
  Statement s = prepare(db_,
                        "SELECT (SELECT application_id FROM pragma_application_id), "
                        "(SELECT user_version FROM pragma_user_version), "
                        "(SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE "
                        "type = 'table' ORDER BY name)), "
                        "(SELECT group_concat(name) FROM pragma_table_info('jobs')), "
                        "(SELECT group_concat(name) FROM pragma_table_info('device_results'))");
  if (!s || sqlite3_step(s.get()) != SQLITE_ROW) return failed("read its layout");
  const int application_id = sqlite3_column_int(s.get(), 0);
  const int version = sqlite3_column_int(s.get(), 1);
  const std::string tables = column_text(s.get(), 2);
  found_desired_ = lists(tables, "desired_documents");
  found_hub_jobs_ = lists(tables, "hub_jobs");
  found_events_ = lists(tables, "door_events");
  found_rollout_ = lists(column_text(s.get(), 3), "abort_min_devices");
  if (application_id == kApplicationId) {
    layout = version == kSchemaVersion                                       ? Layout::current
             : version > kSchemaVersion                                      ? Layout::newer
             : version >= kOldestMigratedVersion && version < kSchemaVersion ? Layout::previous
                                                                             : Layout::foreign;
  } else if (application_id != 0 || version != 0) {
    layout = Layout::foreign;
  } else if (tables.empty()) {
    layout = Layout::empty;
  } else if (tables == "device_results,jobs" && column_text(s.get(), 3) == kUnversionedJobs &&
             column_text(s.get(), 4) == kResultColumns) {
    layout = Layout::unversioned;
  } else {
    layout = Layout::foreign;
  }
  return true;
}

bool JobStore::set_up(Layout layout) {
  if (layout == Layout::empty && !exec("PRAGMA journal_mode=WAL")) return failed("set it up");
  Batch batch(*this, "set it up");
  if (!batch.open()) return false;
  // Another process may have set it up since the first look.
  Layout now = layout;
  if (!inspect(now)) return false;
  if (now == Layout::empty && !exec(kSchema)) return failed("set it up");
  if (now == Layout::unversioned && !exec(kAddLease)) return failed("add the lease columns");
  // What each earlier layout lacks is added by what it holds, so a store of either layout 4
  // (rollout columns, or the hub jobs table) gains the other.
  const bool migrating = now == Layout::unversioned || now == Layout::previous;
  if (migrating && !found_desired_ && !exec(kAddDesiredDocuments)) {
    return failed("add the desired documents");
  }
  if (migrating && !found_rollout_ && !exec(kAddRollout)) return failed("add the rollout columns");
  if (migrating && !found_hub_jobs_ && !exec(kAddHubJobs)) return failed("add the hub jobs");
  if (migrating && !found_events_ && !exec(kAddEvents)) return failed("add the door events");
  if (migrating && found_events_ && !exec(kRenameRecorder)) {
    return failed("rename the event recorder's client id");
  }
  if (migrating && !exec(kTagCurrent)) return failed("mark its layout");
  return batch.commit();  // open() looks again and refuses what is not its layout
}

bool JobStore::open(const std::string& path, std::string& error) {
  path_ = path;
  owner_ = make_owner();
  if (!make_parent_folder(path)) {
    error = "cannot make the folder of " + path + ": " + std::strerror(errno);
    return false;
  }
  const mode_t old_mask = umask(077);  // the store is created 0600
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  umask(old_mask);
  if (rc != SQLITE_OK) {
    error = "cannot open the job store " + path + ": " + sqlite3_errmsg(db_);
    return false;
  }
  // Other scheduler processes hold the lock briefly; wait for them, but not for ever.
  sqlite3_busy_timeout(db_, kBusyWaitMs);
  Layout layout = Layout::foreign;
  if (!inspect(layout) ||
      ((layout == Layout::empty || layout == Layout::unversioned || layout == Layout::previous) &&
       !set_up(layout)) ||
      !inspect(layout)) {
    error = error_;
    return false;
  }
  if (layout == Layout::newer) {
    error = "the job store " + path + " was made by a newer door-scheduler (layout version above " +
            std::to_string(kSchemaVersion) + "); this one does not change it";
    return false;
  }
  if (layout != Layout::current) {
    error = "the job store " + path +
            " is not a door-scheduler store (it holds other tables); give --store a new file";
    return false;
  }
  return true;
}

JobStore::Batch::Batch(JobStore& store, const char* what) : store_(store) {
  open_ = store_.exec("BEGIN IMMEDIATE") || store_.failed(what);
}

JobStore::Batch::~Batch() {
  if (open_) (void)store_.exec("ROLLBACK");
}

bool JobStore::Batch::commit() {
  if (!open_) return false;
  if (!store_.exec("COMMIT")) {
    const bool ok = store_.failed("commit");
    (void)store_.exec("ROLLBACK");  // what it held is written again by the caller
    open_ = false;
    return ok;
  }
  open_ = false;
  return true;
}

bool JobStore::add(const Job& job) {
  Batch batch(*this, "store the job");
  if (!batch.open()) return false;
  Statement s = prepare(db_, std::string("INSERT INTO jobs (") + kJobColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s) return failed("store the job");
  bind(s.get(), 1, job.id);
  bind(s.get(), 2, to_string(job.type));
  bind(s.get(), 3, job.query);
  bind(s.get(), 4, job.method);
  bind(s.get(), 5, job.payload);
  bind(s.get(), 6, job.patch);
  sqlite3_bind_int(s.get(), 7, job.wait_for_ack ? 1 : 0);
  sqlite3_bind_int(s.get(), 8, job.response_timeout_s);
  sqlite3_bind_int64(s.get(), 9, job.start_time);
  sqlite3_bind_int(s.get(), 10, job.max_execution_s);
  bind(s.get(), 11, job.recurrence);
  sqlite3_bind_double(s.get(), 12, job.rate);
  bind(s.get(), 13, to_string(job.status));
  sqlite3_bind_int(s.get(), 14, job.run);
  sqlite3_bind_int64(s.get(), 15, job.created);
  sqlite3_bind_int64(s.get(), 16, job.started);
  sqlite3_bind_int64(s.get(), 17, job.ended);
  bind(s.get(), 18, job.failure);
  sqlite3_bind_double(s.get(), 19, job.rate_increase_factor);
  sqlite3_bind_int(s.get(), 20, job.rate_increase_every);
  sqlite3_bind_double(s.get(), 21, job.abort_failed_percent);
  sqlite3_bind_int(s.get(), 22, job.abort_min_devices);
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    if (sqlite3_extended_errcode(db_) != SQLITE_CONSTRAINT_PRIMARYKEY)
      return failed("store the job");
    locked_ = false;
    error_ = "a job with the id " + job.id + " exists already";
    return false;
  }
  return batch.commit();
}

Job JobStore::read_job(sqlite3_stmt* s) {
  Job job;
  job.id = column_text(s, 0);
  job.type =
      column_text(s, 1) == "scheduleUpdateTwin" ? JobType::update_twin : JobType::device_method;
  job.query = column_text(s, 2);
  job.method = column_text(s, 3);
  job.payload = column_text(s, 4);
  job.patch = column_text(s, 5);
  job.wait_for_ack = sqlite3_column_int(s, 6) != 0;
  job.response_timeout_s = sqlite3_column_int(s, 7);
  job.start_time = sqlite3_column_int64(s, 8);
  job.max_execution_s = sqlite3_column_int(s, 9);
  job.recurrence = column_text(s, 10);
  job.rate = sqlite3_column_double(s, 11);
  if (!parse_job_status(column_text(s, 12), job.status)) job.status = JobStatus::failed;
  job.run = sqlite3_column_int(s, 13);
  job.created = sqlite3_column_int64(s, 14);
  job.started = sqlite3_column_int64(s, 15);
  job.ended = sqlite3_column_int64(s, 16);
  job.failure = column_text(s, 17);
  job.rate_increase_factor = sqlite3_column_double(s, 18);
  job.rate_increase_every = sqlite3_column_int(s, 19);
  job.abort_failed_percent = sqlite3_column_double(s, 20);
  job.abort_min_devices = sqlite3_column_int(s, 21);
  return job;
}

bool JobStore::jobs_where(const std::string& condition, int64_t parameter, std::vector<Job>& out) {
  out.clear();
  Statement s = prepare(db_, std::string("SELECT ") + kJobColumns + " FROM jobs " + condition);
  if (!s) return failed("read the jobs");
  if (condition.find('?') != std::string::npos) sqlite3_bind_int64(s.get(), 1, parameter);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(read_job(s.get()));
  return rc == SQLITE_DONE || failed("read the jobs");
}

bool JobStore::get(const std::string& id, std::optional<Job>& out) {
  out.reset();
  Statement s = prepare(db_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
  if (!s) return failed("read the job");
  bind(s.get(), 1, id);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) out = read_job(s.get());
  return rc == SQLITE_ROW || rc == SQLITE_DONE || failed("read the job");
}

bool JobStore::all(std::vector<Job>& out) {
  return jobs_where("ORDER BY created, id", 0, out);
}

bool JobStore::due(int64_t now, std::vector<Job>& out) {
  return jobs_where(
      "WHERE (status IN ('queued','scheduled') AND start_time <= ?1) OR "
      "(status = 'running' AND lease_expiry <= ?1) ORDER BY start_time, id",
      now, out);
}

bool JobStore::claim(const std::string& id, int run, int64_t now, bool& claimed) {
  claimed = false;
  Batch batch(*this, "claim the job");
  if (!batch.open()) return false;
  Statement s = prepare(db_,
                        "UPDATE jobs SET status = 'running', run = ?, started = ?, owner = ?, "
                        "lease_expiry = ? WHERE id = ? AND status IN ('queued','scheduled')");
  if (!s) return failed("claim the job");
  sqlite3_bind_int(s.get(), 1, run);
  sqlite3_bind_int64(s.get(), 2, now);
  bind(s.get(), 3, owner_);
  sqlite3_bind_int64(s.get(), 4, now + kLeaseSeconds);
  bind(s.get(), 5, id);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("claim the job");
  claimed = sqlite3_changes(db_) == 1;
  if (batch.commit()) return true;
  claimed = false;
  return false;
}

bool JobStore::take_over(const std::string& id, int64_t now, bool& taken) {
  taken = false;
  Batch batch(*this, "take the job over");
  if (!batch.open()) return false;
  Statement s = prepare(db_,
                        "UPDATE jobs SET owner = ?, lease_expiry = ? WHERE id = ? AND "
                        "status = 'running' AND lease_expiry <= ?");
  if (!s) return failed("take the job over");
  bind(s.get(), 1, owner_);
  sqlite3_bind_int64(s.get(), 2, now + kLeaseSeconds);
  bind(s.get(), 3, id);
  sqlite3_bind_int64(s.get(), 4, now);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("take the job over");
  taken = sqlite3_changes(db_) == 1;
  if (batch.commit()) return true;
  taken = false;
  return false;
}

bool JobStore::renew(const std::string& id, int64_t now, bool& owned) {
  Statement s = prepare(db_, "UPDATE jobs SET lease_expiry = ? WHERE id = ? AND owner = ?");
  if (!s) return failed("renew the lease");
  sqlite3_bind_int64(s.get(), 1, now + kLeaseSeconds);
  bind(s.get(), 2, id);
  bind(s.get(), 3, owner_);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("renew the lease");
  owned = sqlite3_changes(db_) == 1;
  return true;
}

bool JobStore::update(const Job& job) {
  Batch batch(*this, "store the job's status");
  if (!batch.open()) return false;
  Statement s = prepare(db_,
                        "UPDATE jobs SET status = ?1, run = ?2, start_time = ?3, started = ?4, "
                        "ended = ?5, failure = ?6, lease_expiry = 0 WHERE id = ?7 AND owner = ?8 "
                        "AND status = 'running' AND NOT (?1 != 'running' AND EXISTS (SELECT 1 "
                        "FROM device_results WHERE job_id = ?7 AND run = ?2 AND status IN "
                        "('pending','running')))");
  if (!s) return failed("store the job's status");
  bind(s.get(), 1, to_string(job.status));
  sqlite3_bind_int(s.get(), 2, job.run);
  sqlite3_bind_int64(s.get(), 3, job.start_time);
  sqlite3_bind_int64(s.get(), 4, job.started);
  sqlite3_bind_int64(s.get(), 5, job.ended);
  bind(s.get(), 6, job.failure);
  bind(s.get(), 7, job.id);
  bind(s.get(), 8, owner_);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("store the job's status");
  if (sqlite3_changes(db_) == 0) {
    // Why not: a cancel is not an error (the cancel stands); anything else is.
    std::optional<Job> now;
    if (!get(job.id, now)) return false;
    if (now && now->status == JobStatus::cancelled) return batch.commit();
    locked_ = false;
    error_ = !now ? "job " + job.id + " is no longer in the store"
             : now->status != JobStatus::running
                 ? "job " + job.id + " is " + to_string(now->status) + " already"
                 : "job " + job.id + " run " + std::to_string(job.run) + " was not stored as " +
                       to_string(job.status) +
                       ": another scheduler took it over, or devices are still open";
    return false;
  }
  return batch.commit();
}

bool JobStore::cancel(const std::string& id, bool& cancelled) {
  cancelled = false;
  Batch batch(*this, "cancel the job");
  if (!batch.open()) return false;
  Statement s = prepare(db_,
                        "UPDATE jobs SET status = 'cancelled' WHERE id = ? AND status IN "
                        "('queued','scheduled','running')");
  if (!s) return failed("cancel the job");
  bind(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("cancel the job");
  cancelled = sqlite3_changes(db_) == 1;
  if (batch.commit()) return true;
  cancelled = false;
  return false;
}

bool JobStore::cancelled(const std::string& id, bool& out) {
  std::optional<Job> job;
  if (!get(id, job)) return false;
  out = job && job->status == JobStatus::cancelled;
  return true;
}

bool JobStore::purge(int64_t before, int& removed) {
  removed = 0;
  Batch batch(*this, "purge the jobs");
  if (!batch.open()) return false;
  // A job cancelled before it ran has no end time: its creation counts.
  const char* ended =
      "SELECT id FROM jobs WHERE status IN ('completed','failed','cancelled') AND "
      "(CASE WHEN ended != 0 THEN ended ELSE created END) < ?1";
  Statement results =
      prepare(db_, std::string("DELETE FROM device_results WHERE job_id IN (") + ended + ")");
  Statement jobs = prepare(db_, std::string("DELETE FROM jobs WHERE id IN (") + ended + ")");
  if (!results || !jobs) return failed("purge the jobs");
  sqlite3_bind_int64(results.get(), 1, before);
  sqlite3_bind_int64(jobs.get(), 1, before);
  if (sqlite3_step(results.get()) != SQLITE_DONE || sqlite3_step(jobs.get()) != SQLITE_DONE) {
    return failed("purge the jobs");
  }
  removed = sqlite3_changes(db_);
  return batch.commit() || (removed = 0, false);
}

bool JobStore::save_result(const std::string& job_id, int run, const DeviceResult& r) {
  Statement s = prepare(db_,
                        "INSERT OR REPLACE INTO device_results SELECT ?1,?2,?3,?4,?5,?6,?7,?8 "
                        "WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ?1 AND run = ?2 AND "
                        "owner = ?9)");
  if (!s) return failed("store a device's result");
  bind(s.get(), 1, job_id);
  sqlite3_bind_int(s.get(), 2, run);
  bind(s.get(), 3, r.device_id);
  bind(s.get(), 4, to_string(r.status));
  sqlite3_bind_int(s.get(), 5, r.code);
  bind(s.get(), 6, r.response);
  sqlite3_bind_int64(s.get(), 7, r.started);
  sqlite3_bind_int64(s.get(), 8, r.ended);
  bind(s.get(), 9, owner_);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("store a device's result");
  if (sqlite3_changes(db_) == 1) return true;
  locked_ = false;
  error_ = "job " + job_id + " run " + std::to_string(run) + " is not this scheduler's to write";
  return false;
}

bool JobStore::results(const std::string& job_id, int run, std::vector<DeviceResult>& out) {
  out.clear();
  Statement s = prepare(db_,
                        "SELECT device_id, status, code, response, started, ended FROM "
                        "device_results WHERE job_id = ? AND run = ? ORDER BY device_id");
  if (!s) return failed("read the devices' results");
  bind(s.get(), 1, job_id);
  sqlite3_bind_int(s.get(), 2, run);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    DeviceResult r;
    r.device_id = column_text(s.get(), 0);
    if (!parse_device_status(column_text(s.get(), 1), r.status)) r.status = DeviceStatus::failed;
    r.code = sqlite3_column_int(s.get(), 2);
    r.response = column_text(s.get(), 3);
    r.started = sqlite3_column_int64(s.get(), 4);
    r.ended = sqlite3_column_int64(s.get(), 5);
    out.push_back(std::move(r));
  }
  return rc == SQLITE_DONE || failed("read the devices' results");
}

bool JobStore::statistics(const std::string& job_id, int run, Statistics& out) {
  out = Statistics();
  std::vector<DeviceResult> all;
  if (!results(job_id, run, all)) return false;
  for (const DeviceResult& r : all) out.count(r.status, 1);
  return true;
}

bool JobStore::desired(const std::string& device_id, std::optional<DesiredDocument>& out) {
  out.reset();
  Statement s =
      prepare(db_, "SELECT version, document FROM desired_documents WHERE device_id = ?1");
  if (!s) return failed("read a desired document");
  bind(s.get(), 1, device_id);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) {
    out = DesiredDocument{sqlite3_column_int64(s.get(), 0), column_text(s.get(), 1)};
  } else if (rc != SQLITE_DONE) {
    return failed("read a desired document");
  }
  return true;
}

bool JobStore::all_desired(std::map<std::string, DesiredDocument>& out) {
  out.clear();
  Statement s = prepare(db_, "SELECT device_id, version, document FROM desired_documents");
  if (!s) return failed("read the desired documents");
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out[column_text(s.get(), 0)] =
        DesiredDocument{sqlite3_column_int64(s.get(), 1), column_text(s.get(), 2)};
  }
  return rc == SQLITE_DONE || failed("read the desired documents");
}

bool JobStore::save_desired(const std::string& device_id, const DesiredDocument& document) {
  Statement s = prepare(db_,
                        "INSERT INTO desired_documents VALUES (?1, ?2, ?3) ON CONFLICT (device_id) "
                        "DO UPDATE SET version = excluded.version, document = excluded.document "
                        "WHERE excluded.version > desired_documents.version");
  if (!s) return failed("store a desired document");
  bind(s.get(), 1, device_id);
  sqlite3_bind_int64(s.get(), 2, document.version);
  bind(s.get(), 3, document.document);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return failed("store a desired document");
  if (sqlite3_changes(db_) == 1) return true;
  locked_ = false;
  error_ = "the job store holds a newer desired document for " + device_id + " than $version " +
           std::to_string(document.version);
  return false;
}

namespace {
constexpr const char* kHubJobColumns =
    "id, host, type, query, method, payload, patch, response_timeout, start_time, max_execution, "
    "recurrence, status, run, created";
}  // namespace

bool JobStore::add_hub_job(const HubJob& record) {
  const Job& job = record.job;
  Statement s = prepare(db_, std::string("INSERT INTO hub_jobs (") + kHubJobColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s) return failed("record the hub job");
  bind(s.get(), 1, job.id);
  bind(s.get(), 2, record.host);
  bind(s.get(), 3, to_string(job.type));
  bind(s.get(), 4, job.query);
  bind(s.get(), 5, job.method);
  bind(s.get(), 6, job.payload);
  bind(s.get(), 7, job.patch);
  sqlite3_bind_int(s.get(), 8, job.response_timeout_s);
  sqlite3_bind_int64(s.get(), 9, job.start_time);
  sqlite3_bind_int(s.get(), 10, job.max_execution_s);
  bind(s.get(), 11, job.recurrence);
  bind(s.get(), 12, to_string(job.status));
  sqlite3_bind_int(s.get(), 13, job.run);
  sqlite3_bind_int64(s.get(), 14, job.created);
  if (sqlite3_step(s.get()) == SQLITE_DONE) return true;
  if (sqlite3_extended_errcode(db_) != SQLITE_CONSTRAINT_PRIMARYKEY) {
    return failed("record the hub job");
  }
  locked_ = false;
  error_ = "a job with the id " + job.id + " exists already in the store";
  return false;
}

bool JobStore::hub_jobs(std::vector<HubJob>& out) {
  out.clear();
  Statement s =
      prepare(db_, std::string("SELECT ") + kHubJobColumns + " FROM hub_jobs ORDER BY created, id");
  if (!s) return failed("read the hub jobs");
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    HubJob record;
    Job& job = record.job;
    job.id = column_text(s.get(), 0);
    record.host = column_text(s.get(), 1);
    job.type = column_text(s.get(), 2) == "scheduleUpdateTwin" ? JobType::update_twin
                                                               : JobType::device_method;
    job.query = column_text(s.get(), 3);
    job.method = column_text(s.get(), 4);
    job.payload = column_text(s.get(), 5);
    job.patch = column_text(s.get(), 6);
    job.response_timeout_s = sqlite3_column_int(s.get(), 7);
    job.start_time = sqlite3_column_int64(s.get(), 8);
    job.max_execution_s = sqlite3_column_int(s.get(), 9);
    job.recurrence = column_text(s.get(), 10);
    if (!parse_job_status(column_text(s.get(), 11), job.status)) job.status = JobStatus::failed;
    job.run = sqlite3_column_int(s.get(), 12);
    job.created = sqlite3_column_int64(s.get(), 13);
    out.push_back(std::move(record));
  }
  return rc == SQLITE_DONE || failed("read the hub jobs");
}

bool JobStore::update_hub_job(const Job& job) {
  Statement s =
      prepare(db_, "UPDATE hub_jobs SET status = ?1, run = ?2, start_time = ?3 WHERE id = ?4");
  if (!s) return failed("update the hub job");
  bind(s.get(), 1, to_string(job.status));
  sqlite3_bind_int(s.get(), 2, job.run);
  sqlite3_bind_int64(s.get(), 3, job.start_time);
  bind(s.get(), 4, job.id);
  return sqlite3_step(s.get()) == SQLITE_DONE || failed("update the hub job");
}

}  // namespace door::scheduler
