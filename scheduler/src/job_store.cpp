#include "scheduler/job_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace door::scheduler {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, query TEXT NOT NULL,
  method TEXT NOT NULL, payload TEXT NOT NULL, patch TEXT NOT NULL, wait_for_ack INTEGER NOT NULL,
  response_timeout INTEGER NOT NULL, start_time INTEGER NOT NULL, max_execution INTEGER NOT NULL,
  recurrence TEXT NOT NULL, rate REAL NOT NULL, status TEXT NOT NULL, run INTEGER NOT NULL,
  created INTEGER NOT NULL, started INTEGER NOT NULL, ended INTEGER NOT NULL, failure TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS device_results (
  job_id TEXT NOT NULL, run INTEGER NOT NULL, device_id TEXT NOT NULL, status TEXT NOT NULL,
  code INTEGER NOT NULL, response TEXT NOT NULL, started INTEGER NOT NULL, ended INTEGER NOT NULL,
  PRIMARY KEY (job_id, run, device_id));
)sql";

constexpr const char* kJobColumns =
    "id, type, query, method, payload, patch, wait_for_ack, response_timeout, start_time, "
    "max_execution, recurrence, rate, status, run, created, started, ended, failure";

struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

Statement prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
  return Statement(s);
}

void bind(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.c_str(), -1, SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* s, int index) {
  const unsigned char* text = sqlite3_column_text(s, index);
  return text != nullptr ? reinterpret_cast<const char*>(text) : "";
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

}  // namespace

JobStore::~JobStore() {
  if (db_ != nullptr) sqlite3_close(db_);
}

bool JobStore::open(const std::string& path, std::string& error) {
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
  // Other scheduler processes may hold the lock briefly; wait for them instead of failing.
  sqlite3_busy_timeout(db_, 5000);
  if (!exec("PRAGMA journal_mode=WAL") || !exec(kSchema)) {
    error = "the job store " + path + " is not usable: " + sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

JobStore::Batch::Batch(JobStore& store) : store_(store) {
  open_ = store_.exec("BEGIN IMMEDIATE");
}

JobStore::Batch::~Batch() {
  commit();
}

void JobStore::Batch::commit() {
  if (open_) store_.exec("COMMIT");
  open_ = false;
}

bool JobStore::exec(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

bool JobStore::add(const Job& job, std::string& error) {
  Statement s = prepare(db_, std::string("INSERT INTO jobs (") + kJobColumns +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
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
  if (sqlite3_step(s.get()) == SQLITE_DONE) return true;
  error = sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY
              ? "a job with the id " + job.id + " exists already"
              : std::string("cannot store the job: ") + sqlite3_errmsg(db_);
  return false;
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
  parse_job_status(column_text(s, 12), job.status);
  job.run = sqlite3_column_int(s, 13);
  job.created = sqlite3_column_int64(s, 14);
  job.started = sqlite3_column_int64(s, 15);
  job.ended = sqlite3_column_int64(s, 16);
  job.failure = column_text(s, 17);
  return job;
}

std::vector<Job> JobStore::jobs_where(const std::string& condition, int64_t parameter) {
  Statement s = prepare(db_, std::string("SELECT ") + kJobColumns + " FROM jobs " + condition);
  if (condition.find('?') != std::string::npos) sqlite3_bind_int64(s.get(), 1, parameter);
  std::vector<Job> jobs;
  while (sqlite3_step(s.get()) == SQLITE_ROW) jobs.push_back(read_job(s.get()));
  return jobs;
}

std::optional<Job> JobStore::get(const std::string& id) {
  Statement s = prepare(db_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
  bind(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
  return read_job(s.get());
}

std::vector<Job> JobStore::all() {
  return jobs_where("ORDER BY created, id", 0);
}

std::vector<Job> JobStore::due(int64_t now) {
  return jobs_where(
      "WHERE (status IN ('queued','scheduled') AND start_time <= ?) OR status = 'running' "
      "ORDER BY start_time, id",
      now);
}

bool JobStore::claim(const std::string& id, int run, int64_t now) {
  Statement s = prepare(db_,
                        "UPDATE jobs SET status = 'running', run = ?, started = ? "
                        "WHERE id = ? AND status IN ('queued','scheduled')");
  sqlite3_bind_int(s.get(), 1, run);
  sqlite3_bind_int64(s.get(), 2, now);
  bind(s.get(), 3, id);
  return sqlite3_step(s.get()) == SQLITE_DONE && sqlite3_changes(db_) == 1;
}

bool JobStore::update(const Job& job) {
  Statement s = prepare(db_,
                        "UPDATE jobs SET status = ?, run = ?, start_time = ?, started = ?, "
                        "ended = ?, failure = ? WHERE id = ? AND status != 'cancelled'");
  bind(s.get(), 1, to_string(job.status));
  sqlite3_bind_int(s.get(), 2, job.run);
  sqlite3_bind_int64(s.get(), 3, job.start_time);
  sqlite3_bind_int64(s.get(), 4, job.started);
  sqlite3_bind_int64(s.get(), 5, job.ended);
  bind(s.get(), 6, job.failure);
  bind(s.get(), 7, job.id);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

bool JobStore::cancel(const std::string& id) {
  Statement s = prepare(db_,
                        "UPDATE jobs SET status = 'cancelled' WHERE id = ? AND status IN "
                        "('queued','scheduled','running')");
  bind(s.get(), 1, id);
  return sqlite3_step(s.get()) == SQLITE_DONE && sqlite3_changes(db_) == 1;
}

bool JobStore::cancelled(const std::string& id) {
  const auto job = get(id);
  return job && job->status == JobStatus::cancelled;
}

bool JobStore::save_result(const std::string& job_id, int run, const DeviceResult& r) {
  Statement s = prepare(db_, "INSERT OR REPLACE INTO device_results VALUES (?,?,?,?,?,?,?,?)");
  bind(s.get(), 1, job_id);
  sqlite3_bind_int(s.get(), 2, run);
  bind(s.get(), 3, r.device_id);
  bind(s.get(), 4, to_string(r.status));
  sqlite3_bind_int(s.get(), 5, r.code);
  bind(s.get(), 6, r.response);
  sqlite3_bind_int64(s.get(), 7, r.started);
  sqlite3_bind_int64(s.get(), 8, r.ended);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

std::vector<DeviceResult> JobStore::results(const std::string& job_id, int run) {
  Statement s = prepare(db_,
                        "SELECT device_id, status, code, response, started, ended FROM "
                        "device_results WHERE job_id = ? AND run = ? ORDER BY device_id");
  bind(s.get(), 1, job_id);
  sqlite3_bind_int(s.get(), 2, run);
  std::vector<DeviceResult> results;
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
    DeviceResult r;
    r.device_id = column_text(s.get(), 0);
    parse_device_status(column_text(s.get(), 1), r.status);
    r.code = sqlite3_column_int(s.get(), 2);
    r.response = column_text(s.get(), 3);
    r.started = sqlite3_column_int64(s.get(), 4);
    r.ended = sqlite3_column_int64(s.get(), 5);
    results.push_back(std::move(r));
  }
  return results;
}

Statistics JobStore::statistics(const std::string& job_id, int run) {
  Statistics st;
  for (const DeviceResult& r : results(job_id, run)) st.count(r.status, 1);
  return st;
}

}  // namespace door::scheduler
