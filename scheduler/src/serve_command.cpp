// door-scheduler serve: runs jobs when they are due, up to --max-concurrent at once, each in a
// `door-scheduler run ID` process of its own, and records the door events in a `door-scheduler
// record` process, until stopped; and run, which runs one due job.
// Processes, not threads: Paho's synchronous client drives every connection of a process from
// whichever thread waits, so connections in several threads took each other's packets.
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "cli.hpp"
#include "job_output.hpp"
#include "job_run.hpp"
#include "port/clock.hpp"

extern char** environ;  // the run inherits the environment (DOOR_SCHEDULER_PASSWORD, TZ)

namespace door::scheduler::cli {

namespace {

// IoT Hub S3 runs 10 jobs at once (S1 one, S2 five).
constexpr int kDefaultMaxConcurrent = 10;
constexpr int kMaxConcurrent = 100;
// A recorder that ended is started again after this long (it reconnects by itself: it ends only
// when it cannot work, such as a store it cannot open).
constexpr int64_t kRecorderRestartMs = 30000;

// What serve started: the job runs and the event recorder.
struct Children {
  std::map<pid_t, std::string> runs;  // the run processes, and their jobs
  pid_t recorder = -1;                // -1: none running
  int64_t recorder_due_ms = 0;        // when to start it (again)
};

// `door-scheduler [global options] COMMAND...`, for a child process.
std::vector<std::string> self_command(const Context& ctx, std::vector<std::string> command) {
  std::vector<std::string> args = {"door-scheduler"};
  args.insert(args.end(), ctx.global_args.begin(), ctx.global_args.end());
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Starts `door-scheduler [global options] run ID` for a due job; its pid, or -1 after a message.
// A run outlives a serve that was killed: it finishes its job.
pid_t start_run(const Context& ctx, const std::string& job_id) {
  std::vector<std::string> args = self_command(ctx, {"run", job_id});
  std::vector<char*> argv = argv_of(args);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ);
  if (rc == 0) return pid;
  log_line("job " + job_id + ": cannot start its run: " + std::strerror(rc));
  return -1;
}

// Starts `door-scheduler [global options] record`, which a killed serve takes along (SIGTERM):
// left alone it would keep the store's recorder lease from the next serve.
pid_t start_recorder(const Context& ctx) {
  std::vector<std::string> args = self_command(ctx, {"record"});
  std::vector<char*> argv = argv_of(args);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(kError);  // serve ended already
    execve("/proc/self/exe", argv.data(), environ);
    _exit(kError);
  }
  if (pid < 0) log_line("events: cannot start the recorder: " + std::string(std::strerror(errno)));
  return pid;
}

// The children that ended, reaped; a run that did not end well has said why itself. With block,
// waits until none is left.
void reap(Children& children, bool block) {
  for (;;) {
    if (block && children.runs.empty() && children.recorder < 0) return;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
    if (pid <= 0) return;
    if (pid == children.recorder) {
      children.recorder = -1;
      children.recorder_due_ms = port::monotonic_ms() + kRecorderRestartMs;
      if (!stop_requested()) {
        log_line("events: the recorder ended (" +
                 (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                      : "exit status " + std::to_string(WEXITSTATUS(status))) +
                 "); starting it again in " + std::to_string(kRecorderRestartMs / 1000) + " s");
      }
      continue;
    }
    const auto run = children.runs.find(pid);
    if (run == children.runs.end()) continue;
    if (WIFSIGNALED(status)) {
      log_line("job " + run->second + ": its run ended by signal " +
               std::to_string(WTERMSIG(status)) + "; it is taken over once its lease expires");
    }
    children.runs.erase(run);
  }
}

bool running_here(const std::map<pid_t, std::string>& runs, const std::string& id) {
  for (const auto& [pid, job_id] : runs) {
    if (job_id == id) return true;
  }
  return false;
}

}  // namespace

int run_command(Context& ctx) {
  if (ctx.next >= ctx.args.size()) return usage_error("run needs a job id");
  const std::string id = ctx.args[ctx.next++];
  if (ctx.next < ctx.args.size()) return usage_error("run takes only a job id");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  std::optional<Job> job;
  if (!store.get(id, job)) return runtime_error(store.error());
  if (!job) return runtime_error("no job " + id);
  const int64_t now = port::wall_seconds();
  bool mine = false;
  const bool resumed = job->status == JobStatus::running;
  if (!resumed && job->start_time > now) {
    return runtime_error("job " + id + " is not due: it starts at " +
                         shown_time(ctx, job->start_time));
  }
  // A claim belongs to the store connection that made it: this process's.
  const bool asked =
      resumed ? store.take_over(id, now, mine) : store.claim(id, job->run + 1, now, mine);
  if (!asked) return runtime_error("job " + id + ": " + store.error());
  if (!mine) {
    // Another scheduler was first (or renews its lease), or the job was cancelled meanwhile.
    if (!store.get(id, job) || !job) return runtime_error("job " + id + ": " + store.error());
    return runtime_error("job " + id + " is " + to_string(job->status) +
                         (job->status == JobStatus::running ? " under another scheduler" : ""));
  }
  if (!store.get(id, job) || !job) return runtime_error("job " + id + ": " + store.error());
  // A stop (systemd signals every process of the service) lets the run end and store its results,
  // as serve does.
  stop_on_signals();
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet, store)) {
    log_line("job " + id + ": not started; it is tried again once its lease expires");
    return kError;
  }
  log_line(resumed ? "job " + id + ": resuming run " + std::to_string(job->run) +
                         " (its scheduler's lease expired)"
                   : "job " + id + ": run " + std::to_string(job->run) + " started");
  if (!run_claimed(*job, client, fleet, store, nullptr)) return kError;
  log_line(summary_of(*job, store));
  Statistics st;
  if (!store.statistics(id, job->run, st)) return runtime_error(store.error());
  warn_if_nothing_matched(*job, st);
  if (!job->failure.empty() && job->status == JobStatus::failed) {
    log_line("  failed: " + printable(job->failure));
  }
  return exit_code_of(*job, st);
}

int serve_command(Context& ctx) {
  int max_concurrent = kDefaultMaxConcurrent;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a != "--max-concurrent") return usage_error("unknown option " + a + " for serve");
    if (!option_value(ctx, a, v)) return kUsage;
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1 || n > kMaxConcurrent) {
      return usage_error("--max-concurrent: 1 to " + std::to_string(kMaxConcurrent) + " jobs");
    }
    max_concurrent = static_cast<int>(n);
  }
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  BrokerClient client(ctx.broker);
  Fleet fleet;
  if (!connect(client, fleet, store)) return kError;
  stop_on_signals();
  log_line("serving jobs from " + ctx.store_path + ", up to " + std::to_string(max_concurrent) +
           " at once");
  std::string store_trouble;  // told once, until the store answers again
  Children children;
  std::map<pid_t, std::string>& runs = children.runs;
  while (!stop_requested()) {
    reap(children, false);
    if (children.recorder < 0 && port::monotonic_ms() >= children.recorder_due_ms) {
      children.recorder = start_recorder(ctx);
      children.recorder_due_ms = port::monotonic_ms() + kRecorderRestartMs;
    }
    if (!client.connected()) {
      reconnect(client, fleet, store, log_line);
      continue;
    }
    std::vector<Job> due;
    if (store.due(port::wall_seconds(), due)) {
      store_trouble.clear();
    } else if (store.error() != store_trouble) {
      store_trouble = store.error();
      log_line(store_trouble);
    }
    for (const Job& job : due) {
      if (static_cast<int>(runs.size()) >= max_concurrent) break;
      if (running_here(runs, job.id)) continue;
      const pid_t pid = start_run(ctx, job.id);
      if (pid > 0) runs[pid] = job.id;
    }
    // New jobs come from other processes through the store: look again every second.
    wait_until(port::wall_seconds() + 1, client, fleet);
  }
  if (!runs.empty()) log_line("stopping: waiting for the running jobs to end");
  if (children.recorder > 0) kill(children.recorder, SIGTERM);
  reap(children, true);
  log_line("stopped");
  return kOk;
}

}  // namespace door::scheduler::cli
