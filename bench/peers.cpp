// The door-agent against its floor and a peer, side by side in one run on one Mosquitto over TLS:
//   floor:  a bare Paho MQTT C echo device (bench/floor_echo.cpp), in both dialects;
//   agent:  the door-agent with the fake GPIO, in both dialects;
//   node:   the Azure IoT device SDK for Node.js with a lockDoor handler (bench/node_peer), in
//           the Azure dialect, when its packages are installed (bench/peers.sh installs them).
// For each: start-up (process start to connected, subscribed and twin reconciled, median of
// several), lockDoor round trips one at a time and 64 in flight (p50, p99, max; calls a second),
// heap allocations per call over the whole process (bench/malloc_counter.cpp), and RSS and
// private dirty memory when idle, after a warm-up and after all the calls.
// Usage: peers [calls] [starts] (10000 20); peers --quick checks the figures a regression would
// move (p99 ratio to the floor, RSS, allocations per call, stripped size) with generous limits.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "memory_usage.hpp"
#include "method_caller.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace {

using namespace door::test;
using door::bench::CallerOptions;
using door::bench::Dialect;
using door::bench::MethodCaller;
using Clock = std::chrono::steady_clock;

constexpr const char* kDevice = "door-1";
constexpr int kInFlight = 64;
constexpr int kWarmUpCalls = 1000;

struct Settings {
  int calls = 10000;         // each of the sequential and the in-flight runs
  int total_calls = 100000;  // all calls before the last memory figure
  int starts = 20;
  bool quick = false;
};

struct Subject {
  const char* name;
  Dialect dialect;
  enum Kind { floor, agent, node } kind;
};

struct Latency {
  double p50 = 0, p99 = 0, max = 0, per_second = 0;
  bool complete = false;
};

// Start-up times fall in two groups here: Paho's receive thread sleeps 100 ms when it has no
// socket, and a start whose socket opens during that sleep waits for it.
struct StartUp {
  double median = -1, fastest = 0, slowest = 0;
  int slow = 0;  // starts 50 ms or more over the fastest
};

struct Figures {
  StartUp start;
  Latency sequential, in_flight;
  double allocations_per_call = -1;
  MemoryUsage idle, warm, end;
};

// A running subject: the process, and what it needs kept alive.
struct Running {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<AgentProcess> agent;
  std::unique_ptr<Process> process;
  Process& get() { return agent ? agent->process() : *process; }
};

bool node_peer_installed() {
  struct stat st {};
  return stat(DOOR_SOURCE_DIR "/bench/node_peer/node_modules/azure-iot-device", &st) == 0;
}

std::vector<std::string> counter_environment(const std::string& counter_file) {
  return {"LD_PRELOAD=" DOOR_MALLOC_COUNTER_LIBRARY, "DOOR_MALLOC_COUNTER=" + counter_file,
          "NODE_EXTRA_CA_CERTS=" + TestPki::shared().file("ca.pem")};
}

Running start(const Subject& s, const Broker& broker, const std::string& counter_file) {
  Running r;
  const bool azure = s.dialect == Dialect::azure;
  const int port = azure ? broker.azure_port() : broker.port();
  const auto environment = counter_environment(counter_file);
  if (s.kind == Subject::agent) {
    r.dir = std::make_unique<TempDir>();
    const std::string extra =
        R"("stateFile":")" + r.dir->file("desired.json") + "\"," + fake_door_section(*r.dir);
    r.agent =
        std::make_unique<AgentProcess>(azure ? azure_dialect_config(port, kDevice, "", extra)
                                             : broker_dialect_config(port, kDevice, "", extra),
                                       environment);
  } else if (s.kind == Subject::floor) {
    r.process = std::make_unique<Process>(
        std::vector<std::string>{
            DOOR_FLOOR_ECHO_BINARY, azure ? "azure" : "mqtt", std::to_string(port), kDevice,
            kDevice, Broker::device_password(kDevice), TestPki::shared().file("ca.pem")},
        environment);
  } else {
    r.process = std::make_unique<Process>(
        std::vector<std::string>{"node", DOOR_SOURCE_DIR "/bench/node_peer/lock_door_peer.js",
                                 "localhost", std::to_string(port), kDevice},
        environment);
  }
  return r;
}

bool wait_ready(const Subject& s, Running& r) {
  const char* marker = s.kind == Subject::agent ? "ready: desired properties reconciled" : "ready";
  return r.get().wait_for_output(marker, 30s);
}

void stop(Running& r) {
  r.get().signal(SIGTERM);
  if (!r.get().wait_exit(10s)) r.get().signal(SIGKILL);
}

uint64_t read_counter(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  uint64_t value = 0;
  in.read(reinterpret_cast<char*>(&value), sizeof value);
  return value;
}

Latency latency_of(std::vector<double> us, int calls, double seconds) {
  Latency l;
  l.complete = static_cast<int>(us.size()) == calls;
  if (us.empty()) return l;
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) {
    return us[std::min(us.size() - 1,
                       static_cast<std::size_t>(q * static_cast<double>(us.size())))];
  };
  l.p50 = at(0.50) / 1000;
  l.p99 = at(0.99) / 1000;
  l.max = us.back() / 1000;
  l.per_second = static_cast<double>(us.size()) / seconds;
  return l;
}

Latency timed_calls(MethodCaller& caller, int calls, int in_flight) {
  const auto begin = Clock::now();
  std::vector<double> us = caller.call(calls, in_flight, 30s);
  return latency_of(std::move(us), calls,
                    std::chrono::duration<double>(Clock::now() - begin).count());
}

CallerOptions caller_options(const Subject& s, const Broker& broker) {
  CallerOptions o;
  o.dialect = s.dialect;
  o.port = s.dialect == Dialect::azure ? broker.azure_port() : broker.port();
  o.device_id = kDevice;
  o.username = Broker::kSchedulerUser;
  o.password = Broker::kSchedulerPassword;
  o.ca_file = TestPki::shared().file("ca.pem");
  return o;
}

// Start-up: over `starts` starts, the caller (the hub's twin in Azure) already connected.
StartUp start_up(const Subject& s, const Broker& broker, int starts) {
  MethodCaller hub(caller_options(s, broker));
  if (!hub.connect(10s)) return {};
  TempDir dir;
  std::vector<double> ms;
  for (int i = 0; i < starts; ++i) {
    const auto begin = Clock::now();
    Running r = start(s, broker, dir.file("counter"));
    if (!wait_ready(s, r)) return {};
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
    stop(r);
  }
  std::sort(ms.begin(), ms.end());
  StartUp result{ms[ms.size() / 2], ms.front(), ms.back(), 0};
  for (double m : ms) result.slow += m >= ms.front() + 50;
  return result;
}

bool measure(const Subject& s, const Broker& broker, const Settings& settings, Figures& f) {
  f.start = start_up(s, broker, settings.starts);
  MethodCaller caller(caller_options(s, broker));
  if (f.start.median < 0 || !caller.connect(10s)) {
    std::printf("%s: did not start, or the caller could not connect\n", s.name);
    return false;
  }
  TempDir dir;
  const std::string counter = dir.file("counter");
  Running r = start(s, broker, counter);
  if (!wait_ready(s, r)) {
    std::printf("%s: did not start:\n%s\n", s.name, r.get().output().c_str());
    return false;
  }
  const pid_t pid = r.get().pid();
  std::this_thread::sleep_for(1s);  // let start-up work settle before the idle figure
  f.idle = memory_usage(pid);
  bool ok = timed_calls(caller, kWarmUpCalls, kInFlight).complete;
  f.warm = memory_usage(pid);
  const uint64_t before = read_counter(counter);
  f.sequential = timed_calls(caller, settings.calls, 1);
  f.allocations_per_call =
      static_cast<double>(read_counter(counter) - before) / static_cast<double>(settings.calls);
  f.in_flight = timed_calls(caller, settings.calls, kInFlight);
  ok = ok && f.sequential.complete && f.in_flight.complete;
  for (int done = kWarmUpCalls + 2 * settings.calls; ok && done < settings.total_calls;
       done += settings.calls) {
    ok = timed_calls(caller, std::min(settings.calls, settings.total_calls - done), kInFlight)
             .complete;
  }
  f.end = memory_usage(pid);
  if (!ok) std::printf("%s: did not answer every call\n", s.name);
  stop(r);
  return ok;
}

void print(const Subject& s, const Figures& f) {
  std::printf(
      "%-12s start %6.1f ms | 1 at a time p50 %6.3f p99 %6.3f max %7.3f ms, %6.0f/s |"
      " %d in flight p50 %6.3f p99 %6.3f max %7.3f ms, %6.0f/s | %5.1f allocs/call\n",
      s.name, f.start.median, f.sequential.p50, f.sequential.p99, f.sequential.max,
      f.sequential.per_second, kInFlight, f.in_flight.p50, f.in_flight.p99, f.in_flight.max,
      f.in_flight.per_second, f.allocations_per_call);
  std::printf(
      "%-12s RSS idle %6ld KiB, warm %6ld KiB, end %6ld KiB (growth %+ld KiB);"
      " private dirty idle %ld KiB, end %ld KiB\n",
      "", f.idle.rss_kib, f.warm.rss_kib, f.end.rss_kib, f.end.rss_kib - f.warm.rss_kib,
      f.idle.private_dirty_kib, f.end.private_dirty_kib);
  std::printf(
      "%-12s start-up median %.1f ms, fastest %.1f, slowest %.1f; %d over the fastest + 50 ms\n",
      "", f.start.median, f.start.fastest, f.start.slowest, f.start.slow);
  std::fflush(stdout);
}

// Stripped size of the door-agent as built here.
long stripped_size_bytes(const std::string& dir) {
  const std::string copy = dir + "/door-agent.stripped";
  Process strip({"strip", "-o", copy, DOOR_AGENT_BINARY});
  if (strip.wait_exit(30s) != 0) return -1;
  struct stat st {};
  return stat(copy.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

bool check(bool ok, const char* what, double value, const char* relation, double limit) {
  std::printf("  %-44s %10.2f %s %.2f  %s\n", what, value, relation, limit, ok ? "ok" : "FAILED");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (argc > 1 && std::string(argv[1]) == "--quick") {
    settings = Settings{2000, 5000, 3, true};
  } else {
    if (argc > 1) settings.calls = std::atoi(argv[1]);
    if (argc > 2) settings.starts = std::atoi(argv[2]);
    settings.total_calls = std::max(settings.total_calls, 2 * settings.calls + kWarmUpCalls);
  }
  std::vector<Subject> subjects = {{"floor mqtt", Dialect::mqtt, Subject::floor},
                                   {"agent mqtt", Dialect::mqtt, Subject::agent}};
  if (!settings.quick) {
    subjects.push_back({"floor azure", Dialect::azure, Subject::floor});
    subjects.push_back({"agent azure", Dialect::azure, Subject::agent});
    if (node_peer_installed()) {
      subjects.push_back({"node azure", Dialect::azure, Subject::node});
    } else {
      std::printf("node peer: not installed (bench/peers.sh installs it with npm)\n");
    }
  }
  std::printf(
      "lockDoor round trips: %d calls one at a time, %d with %d in flight; %d calls in all;"
      " start-up median of %d\n",
      settings.calls, settings.calls, kInFlight, settings.total_calls, settings.starts);
  Broker broker;
  std::vector<Figures> figures(subjects.size());
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    if (!measure(subjects[i], broker, settings, figures[i])) return 1;
    print(subjects[i], figures[i]);
  }
  TempDir dir;
  const long size = stripped_size_bytes(dir.path());
  std::printf("door-agent stripped: %ld bytes\n", size);
  if (!settings.quick) return 0;

  // Generous limits: they catch a regression, not the noise of a shared machine.
  const Figures& floor = figures[0];
  const Figures& agent = figures[1];
  bool ok = true;
  ok &= check(agent.sequential.p99 <= 3 * floor.sequential.p99, "p99 one at a time / floor",
              agent.sequential.p99 / floor.sequential.p99, "<=", 3);
  ok &= check(agent.in_flight.p99 <= 3 * floor.in_flight.p99, "p99 in flight / floor",
              agent.in_flight.p99 / floor.in_flight.p99, "<=", 3);
  ok &= check(agent.end.rss_kib <= 10 * 1024, "RSS (KiB)", static_cast<double>(agent.end.rss_kib),
              "<=", 10 * 1024);
  ok &= check(agent.allocations_per_call <= floor.allocations_per_call + 4,
              "allocations per call, agent - floor",
              agent.allocations_per_call - floor.allocations_per_call, "<=", 4);
  ok &= check(size > 0 && size <= 320 * 1024, "stripped size (KiB)",
              static_cast<double>(size) / 1024, "<=", 320);
  return ok ? 0 : 1;
}
