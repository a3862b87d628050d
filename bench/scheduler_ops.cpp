// door-scheduler as an operator runs it, measured with bench/echo_fleet's simulated devices:
//  1. one lockDoor job over each fleet size (1,000 and 10,000) with --wait and the progress bar
//     on (stdout and stderr a terminal): time, the scheduler's CPU and peak RSS, bar redraws;
//  2. ten due jobs, each over its own 100 devices and a silent device that holds it for its 3 s
//     timeout, under serve --max-concurrent 1 and 10: time from serve's start to the last end;
//  3. the abort rule: a job over the fleet and one offline device for every five, at 200 devices
//     a second, aborted at more than 10 % failed of at least 50: time from the result that
//     crossed the threshold to the job's end (the remaining devices canceled and stored).
// Usage: scheduler_ops [fleet sizes...] (1000 10000). Sizes must grow.
#include <pty.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "broker.hpp"
#include "descriptor_limit.hpp"
#include "mqtt_client.hpp"
#include "scheduler_cli.hpp"
#include "test_pki.hpp"

namespace {

using namespace door::test;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

struct Line {
  double at_s;  // after the start
  std::string text;
};

struct PtyRun {
  int exit_code = -1;
  rusage usage{};
  std::vector<Line> lines;
  int redraws = 0;  // carriage returns: the bar drawn again in place
  double wall_s = 0;
};

// Runs the command with a terminal for its stdout and stderr, as an operator's shell gives it,
// and keeps each line with its arrival time.
PtyRun run_on_terminal(const std::vector<std::string>& args) {
  PtyRun run;
  int master = -1;
  const auto start = Clock::now();
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string partial;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child has closed the terminal
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] == '\r') ++run.redraws;
      if (buffer[i] != '\n') {
        partial += buffer[i];
        continue;
      }
      run.lines.push_back({since(start), partial});
      partial.clear();
    }
  }
  close(master);
  int status = 0;
  wait4(pid, &status, 0, &run.usage);
  run.wall_s = since(start);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string device_id(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "fleet-%05d", i);
  return id;
}

// Starts echo devices from+1..to, a thousand per echo_fleet process, one process after the other:
// 9,000 TLS connections at once on a loaded two-core machine were refused by their timeouts.
bool start_echo_devices(const Broker& broker, int from, int to,
                        std::vector<std::unique_ptr<Process>>& simulators) {
  constexpr int kPerProcess = 1000;
  for (int first = from; first < to; first += kPerProcess) {
    const int count = std::min(kPerProcess, to - first);
    simulators.push_back(std::make_unique<Process>(std::vector<std::string>{
        DOOR_ECHO_FLEET_BINARY, std::to_string(broker.port()), TestPki::shared().file("ca.pem"),
        std::to_string(first + 1), std::to_string(count)}));
    if (!simulators.back()->wait_for_output("ready", 600s)) {
      const std::string output = simulators.back()->output();
      std::printf("  the echo devices did not come online:\n%s\n",
                  output.substr(0, std::min<std::size_t>(output.size(), 2000)).c_str());
      return false;
    }
  }
  return true;
}

// The text after the last redraw of a terminal line ("\r\033[K").
std::string last_drawn(const std::string& line) {
  const auto at = line.rfind("\033[K");
  return at == std::string::npos ? line : line.substr(at + 3);
}

// 1. One job over the whole fleet, the progress bar on.
bool job_over_fleet(const SchedulerCli& cli, int size) {
  PtyRun run = run_on_terminal(cli.argv({"schedule", "method", "--query", "SELECT * FROM devices",
                                         "--method", "lockDoor", "--timeout", "60", "--wait"}));
  double started = 0;
  for (const Line& l : run.lines) {
    if (started == 0 && l.text.find(" running: ") != std::string::npos) started = l.at_s;
  }
  const std::string last = run.lines.empty() ? "" : last_drawn(run.lines.back().text);
  std::printf("%6d devices: launch to exit %.3f s, job start to end %.3f s, exit status %d\n", size,
              run.wall_s, run.wall_s - started, run.exit_code);
  std::printf(
      "              scheduler CPU %.3f s (user %.3f, system %.3f), peak RSS %.1f MB, "
      "progress redrawn %d times\n",
      seconds(run.usage.ru_utime) + seconds(run.usage.ru_stime), seconds(run.usage.ru_utime),
      seconds(run.usage.ru_stime), static_cast<double>(run.usage.ru_maxrss) / 1024, run.redraws);
  std::printf("              %s\n", last.c_str());
  return run.exit_code == 0;
}

// 2. Ten jobs due at once, under serve with the given limit.
bool concurrent_jobs(const SchedulerCli& cli, MqttClient& service, int limit, int round) {
  constexpr int kJobs = 10;
  constexpr int kDevicesPerJob = 100;
  for (int j = 0; j < kJobs; ++j) {
    const std::string silent = "silent-" + std::to_string(j);
    if (!service.publish("devices/" + silent + "/status", R"({"online":true})", 1, true)) {
      return false;
    }
    std::string query = "deviceId = '" + silent + "'";
    for (int d = 1; d <= kDevicesPerJob; ++d) {
      query += " OR deviceId = '" + device_id(j * kDevicesPerJob + d) + "'";
    }
    const CliResult r =
        cli.run({"schedule", "method", "--query", query, "--method", "lockDoor", "--timeout", "3",
                 "--id", "c" + std::to_string(round) + "-" + std::to_string(j)});
    if (r.exit_code != 0) {
      std::printf("  %s", r.output.c_str());
      return false;
    }
  }
  const auto start = Clock::now();
  Process serve(cli.argv({"serve", "--max-concurrent", std::to_string(limit)}));
  const bool all =
      serve.wait_for_count("completed: deviceCount 101, succeeded 100, failed 1", kJobs, 600s);
  const double elapsed = since(start);
  serve.signal(SIGTERM);
  serve.wait_exit(60s);
  std::printf("  --max-concurrent %2d: %d jobs of 100 devices + a silent one (3 s): %.2f s%s\n",
              limit, kJobs, elapsed, all ? "" : " (NOT ALL COMPLETED)");
  if (!all) std::printf("%s\n", serve.output().c_str());
  return all;
}

// 3. The abort rule.
bool abort_rule(const SchedulerCli& cli, MqttClient& service, int size) {
  int offline = 0;
  for (int i = 5; i <= size; i += 5) {
    if (!service.publish("devices/" + device_id(i) + "-down/status", R"({"online":false})", 1,
                         true)) {
      return false;
    }
    ++offline;
  }
  PtyRun run = run_on_terminal(
      cli.argv({"schedule", "method", "--query", "SELECT * FROM devices", "--method", "lockDoor",
                "--rate", "200", "--timeout", "10", "--abort-failed-percent", "10",
                "--abort-min-devices", "50", "--wait"}));
  // The device line whose counts first cross the threshold: "[done/total done, failed failed]".
  double crossed = -1;
  double ended = -1;
  for (const Line& l : run.lines) {
    int done = 0, total = 0, failed = 0;
    const auto at = l.text.rfind('[');
    if (crossed < 0 && at != std::string::npos &&
        std::sscanf(l.text.c_str() + at, "[%d/%d done, %d failed]", &done, &total, &failed) == 3 &&
        done >= 50 && failed * 100 > 10 * done) {
      crossed = l.at_s;
    }
    if (l.text.find(" failed: deviceCount ") != std::string::npos) ended = l.at_s;
  }
  std::printf(
      "  %d devices, %d of them offline: threshold crossed %.3f s after launch, job "
      "ended %.3f s later (exit status %d)\n",
      size + offline, offline, crossed, ended - crossed, run.exit_code);
  for (const Line& l : run.lines) {
    if (l.text.find("failed: ") != std::string::npos) {
      std::printf("  %s\n", last_drawn(l.text).c_str());
    }
  }
  for (int i = 5; i <= size; i += 5) {
    if (!service.publish("devices/" + device_id(i) + "-down/status", "", 1, true)) return false;
  }
  return crossed >= 0 && ended >= 0 && run.exit_code == 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {1000, 10000};
  setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  door::bench::raise_descriptor_limit();
  std::vector<std::string> ids;
  for (int i = 1; i <= sizes.back(); ++i) ids.push_back(device_id(i));
  Broker broker("server", Broker::Persistence::none, ids);
  SchedulerCli cli(broker);
  MqttClient service(scheduler_options(broker));
  if (!service.connect().empty()) return 2;
  std::vector<std::unique_ptr<Process>> simulators;
  bool ok = true;
  int up = 0;
  std::printf("scheduler_ops: echo_fleet devices, the scheduler with a terminal\n");
  for (const int size : sizes) {
    if (!start_echo_devices(broker, up, size, simulators)) return 2;
    up = size;
    ok = job_over_fleet(cli, size) && ok;
    if (size != sizes.front()) continue;
    std::printf("ten jobs due at once, over the %d-device fleet:\n", size);
    ok = concurrent_jobs(cli, service, 1, 1) && ok;
    ok = concurrent_jobs(cli, service, 10, 2) && ok;
    for (int j = 0; j < 10; ++j) {
      ok = service.publish("devices/silent-" + std::to_string(j) + "/status", "", 1, true) && ok;
    }
    std::printf("the abort rule:\n");
    ok = abort_rule(cli, service, size) && ok;
  }
  return ok ? 0 : 1;
}
