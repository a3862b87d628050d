// The door-agent against its floor and a peer, side by side in one run on one Mosquitto over TLS:
//   floor:  a bare Paho MQTT C echo device (bench/floor_echo.cpp), in both dialects;
//   agent:  the door-agent with the fake GPIO, in both dialects;
//   node:   the Azure IoT device SDK for Node.js with a lockDoor handler (bench/node_peer), in
//           the Azure dialect, when its packages are installed (bench/peers.sh installs them).
// For each: start-up (process start to connected, subscribed and twin reconciled, median of
// several) and stop (SIGTERM to exit), lockDoor round trips one at a time and 64 in flight (p50,
// p99, max; calls a second), each thread's CPU time and wake-ups per call, heap allocations per
// call over the whole process (bench/malloc_counter.cpp, in a run of its own), and RSS and private
// dirty memory when idle, after a warm-up and after all the calls.
// The subjects of the broker dialect run at once and take their calls in turn, in blocks, so a
// slow moment of the shared machine falls on all of them alike; see main() for the Azure dialect.
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
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "memory_usage.hpp"
#include "method_caller.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"
#include "thread_usage.hpp"

namespace {

using namespace door::test;
using door::bench::CallerOptions;
using door::bench::Dialect;
using door::bench::MethodCaller;
using Clock = std::chrono::steady_clock;

constexpr int kInFlight = 64;
constexpr int kWarmUpCalls = 1000;
constexpr int kSequentialBlock = 500;  // calls one at a time before the next subject's turn
constexpr int kInFlightBlock = 2000;

struct Settings {
  int calls = 10000;         // each of the sequential and the in-flight runs
  int total_calls = 100000;  // all calls before the last memory figure
  int starts = 20;
  bool quick = false;
};

struct Subject {
  const char* name;
  const char* device_id;  // each subject is its own device
  Dialect dialect;
  enum Kind { floor, agent, node } kind;
};

int port_of(const Subject& s, const Broker& broker) {
  return s.dialect == Dialect::azure ? broker.azure_port() : broker.port();
}

struct Latency {
  double p50 = 0, p99 = 0, max = 0, per_second = 0;
  bool complete = false;
};

// Start-up times fall in two groups here: Paho's receive thread sleeps 100 ms when it has no
// socket, and a start whose socket opens during that sleep waits for it.
struct StartUp {
  double median = -1, fastest = 0, slowest = 0;
  int slow = 0;            // starts 50 ms or more over the fastest
  double stop_median = 0;  // SIGTERM to exit
};

// CPU time and wake-ups of one of the subject's threads per call made one at a time.
struct ThreadCost {
  std::string name;
  double cpu_us = 0, wakeups = 0;
};

struct Figures {
  StartUp start;
  Latency sequential, in_flight;
  double allocations_per_call = -1;
  MemoryUsage idle, warm, end;
  std::vector<ThreadCost> per_call;  // the threads that ran, and the whole process last
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

std::vector<std::string> plain_environment() {
  return {"NODE_EXTRA_CA_CERTS=" + TestPki::shared().file("ca.pem")};
}

std::vector<std::string> counter_environment(const std::string& counter_file) {
  std::vector<std::string> environment = plain_environment();
  environment.push_back("LD_PRELOAD=" DOOR_MALLOC_COUNTER_LIBRARY);
  environment.push_back("DOOR_MALLOC_COUNTER=" + counter_file);
  return environment;
}

Running start(const Subject& s, const Broker& broker, const std::vector<std::string>& environment) {
  Running r;
  const bool azure = s.dialect == Dialect::azure;
  const int port = port_of(s, broker);
  if (s.kind == Subject::agent) {
    r.dir = std::make_unique<TempDir>();
    const std::string extra =
        R"("stateFile":")" + r.dir->file("desired.json") + "\"," + fake_door_section(*r.dir);
    r.agent =
        std::make_unique<AgentProcess>(azure ? azure_dialect_config(port, s.device_id, "", extra)
                                             : broker_dialect_config(port, s.device_id, "", extra),
                                       environment);
  } else if (s.kind == Subject::floor) {
    r.process = std::make_unique<Process>(
        std::vector<std::string>{
            DOOR_FLOOR_ECHO_BINARY, azure ? "azure" : "mqtt", std::to_string(port), s.device_id,
            s.device_id, Broker::device_password(s.device_id), TestPki::shared().file("ca.pem")},
        environment);
  } else {
    r.process = std::make_unique<Process>(
        std::vector<std::string>{"node", DOOR_SOURCE_DIR "/bench/node_peer/lock_door_peer.js",
                                 "localhost", std::to_string(port), s.device_id},
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

// Round trips in microseconds, and the time they took.
struct Timings {
  std::vector<double> us;
  double seconds = 0;
  bool complete = true;
};

void timed_calls(MethodCaller& caller, int calls, int in_flight, Timings& t) {
  const auto begin = Clock::now();
  std::vector<double> us = caller.call(calls, in_flight, 30s);
  t.seconds += std::chrono::duration<double>(Clock::now() - begin).count();
  t.complete = t.complete && static_cast<int>(us.size()) == calls;
  t.us.insert(t.us.end(), us.begin(), us.end());
}

Latency latency_of(Timings t) {
  Latency l;
  l.complete = t.complete;
  std::vector<double>& us = t.us;
  if (us.empty()) return l;
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) {
    return us[std::min(us.size() - 1,
                       static_cast<std::size_t>(q * static_cast<double>(us.size())))];
  };
  l.p50 = at(0.50) / 1000;
  l.p99 = at(0.99) / 1000;
  l.max = us.back() / 1000;
  l.per_second = static_cast<double>(us.size()) / t.seconds;
  return l;
}

CallerOptions caller_options(const Subject& s, const Broker& broker) {
  CallerOptions o;
  o.dialect = s.dialect;
  // The caller plays the service: the scheduler's listener on a broker, the hub's port on Azure.
  o.port = s.dialect == Dialect::azure ? broker.azure_port() : broker.service_port();
  o.device_id = s.device_id;
  o.username = Broker::kSchedulerUser;
  o.password = Broker::kSchedulerPassword;
  o.ca_file = TestPki::shared().file("ca.pem");
  return o;
}

// Start-up: over `starts` starts, the caller (the hub's twin in Azure) already connected.
StartUp start_up(const Subject& s, const Broker& broker, int starts) {
  MethodCaller hub(caller_options(s, broker));
  if (!hub.connect(10s)) return {};
  std::vector<double> ms, stops;
  const auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  for (int i = 0; i < starts; ++i) {
    const auto begin = Clock::now();
    Running r = start(s, broker, plain_environment());
    if (!wait_ready(s, r)) {
      std::printf("%s: did not start:\n%s\n", s.name, r.get().output().c_str());
      return {};
    }
    ms.push_back(ms_since(begin));
    const auto stopping = Clock::now();
    stop(r);
    stops.push_back(ms_since(stopping));
  }
  std::sort(ms.begin(), ms.end());
  std::sort(stops.begin(), stops.end());
  StartUp result{ms[ms.size() / 2], ms.front(), ms.back(), 0, stops[stops.size() / 2]};
  for (double m : ms) result.slow += m >= ms.front() + 50;
  return result;
}

// Heap allocations per call made one at a time, in a run of its own with the counter preloaded.
double allocations_per_call(const Subject& s, const Broker& broker, int calls) {
  MethodCaller caller(caller_options(s, broker));  // first: in Azure it answers the twin GET
  if (!caller.connect(10s)) return -1;
  TempDir dir;
  const std::string counter = dir.file("counter");
  Running r = start(s, broker, counter_environment(counter));
  if (!wait_ready(s, r)) return -1;
  Timings t;
  timed_calls(caller, kWarmUpCalls, kInFlight, t);
  const uint64_t before = read_counter(counter);
  timed_calls(caller, calls, 1, t);
  const uint64_t after = read_counter(counter);
  stop(r);
  return t.complete ? static_cast<double>(after - before) / calls : -1;
}

// Each thread's CPU time and wake-ups between two readings, per call; threads that did not run
// are left out.
std::vector<ThreadCost> cost_per_call(std::map<int, ThreadUsage> before,
                                      const std::map<int, ThreadUsage>& after, int calls) {
  std::vector<ThreadCost> costs;
  ThreadCost process{"process"};
  for (const auto& [tid, now] : after) {
    const ThreadUsage& then = before[tid];
    const ThreadCost cost{now.name, static_cast<double>(now.cpu_ns - then.cpu_ns) / 1000 / calls,
                          static_cast<double>(now.wakeups - then.wakeups) / calls};
    process.cpu_us += cost.cpu_us;
    process.wakeups += cost.wakeups;
    if (cost.cpu_us >= 0.1) costs.push_back(cost);
  }
  costs.push_back(process);
  return costs;
}

// One subject running for the side-by-side round trips.
struct Contender {
  const Subject& subject;
  Figures& figures;
  std::unique_ptr<MethodCaller> caller;
  Running running;
  Timings warm_up, sequential, in_flight;
};

// Every subject's calls in blocks, taken in turn until each has made `calls`.
bool calls_in_turn(std::vector<Contender>& contenders, int calls, int in_flight, int block,
                   Timings Contender::*timings) {
  for (int done = 0; done < calls; done += block) {
    for (Contender& c : contenders) {
      timed_calls(*c.caller, std::min(block, calls - done), in_flight, c.*timings);
      if (!(c.*timings).complete) {
        std::printf("%s: did not answer every call\n", c.subject.name);
        return false;
      }
    }
  }
  return true;
}

// The subjects of `group` running at once, their calls taken in turn.
bool measure_side_by_side(const std::vector<Subject>& subjects,
                          const std::vector<std::size_t>& group, const Broker& broker,
                          const Settings& settings, std::vector<Figures>& figures) {
  std::vector<Contender> contenders;
  for (std::size_t i : group) {
    auto caller = std::make_unique<MethodCaller>(caller_options(subjects[i], broker));
    if (!caller->connect(10s)) {  // first: in Azure it answers the twin GET
      std::printf("%s: the caller could not connect\n", subjects[i].name);
      return false;
    }
    contenders.push_back(Contender{subjects[i],
                                   figures[i],
                                   std::move(caller),
                                   start(subjects[i], broker, plain_environment()),
                                   {},
                                   {},
                                   {}});
  }
  for (Contender& c : contenders) {
    if (!wait_ready(c.subject, c.running)) {
      std::printf("%s: did not start:\n%s\n", c.subject.name, c.running.get().output().c_str());
      return false;
    }
  }
  std::this_thread::sleep_for(1s);  // let start-up work settle before the idle figure
  for (Contender& c : contenders) c.figures.idle = memory_usage(c.running.get().pid());
  bool ok = calls_in_turn(contenders, kWarmUpCalls, kInFlight, kWarmUpCalls, &Contender::warm_up);
  for (Contender& c : contenders) c.figures.warm = memory_usage(c.running.get().pid());
  std::vector<std::map<int, ThreadUsage>> before;
  for (Contender& c : contenders) before.push_back(thread_usage(c.running.get().pid()));
  ok = ok && calls_in_turn(contenders, settings.calls, 1, kSequentialBlock, &Contender::sequential);
  for (std::size_t i = 0; i < contenders.size(); ++i) {
    contenders[i].figures.per_call =
        cost_per_call(before[i], thread_usage(contenders[i].running.get().pid()), settings.calls);
  }
  ok = ok &&
       calls_in_turn(contenders, settings.calls, kInFlight, kInFlightBlock, &Contender::in_flight);
  const int rest = settings.total_calls - kWarmUpCalls - 2 * settings.calls;
  Timings discarded;
  for (Contender& c : contenders) {
    for (int done = 0; ok && done < rest; done += settings.calls) {
      timed_calls(*c.caller, std::min(settings.calls, rest - done), kInFlight, discarded);
      ok = discarded.complete;
      if (!ok) std::printf("%s: did not answer every call\n", c.subject.name);
    }
    c.figures.sequential = latency_of(std::move(c.sequential));
    c.figures.in_flight = latency_of(std::move(c.in_flight));
    c.figures.end = memory_usage(c.running.get().pid());
    stop(c.running);
  }
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
      "%-12s start-up median %.1f ms, fastest %.1f, slowest %.1f; %d over the fastest + 50 ms;"
      " stop median %.1f ms\n",
      "", f.start.median, f.start.fastest, f.start.slowest, f.start.slow, f.start.stop_median);
  std::printf("%-12s per call one at a time, CPU and wake-ups by thread:", "");
  for (std::size_t i = 0; i < f.per_call.size(); ++i) {
    const ThreadCost& t = f.per_call[i];
    std::printf("%s %s %.1f us %.2f", i == 0 ? "" : ";", t.name.c_str(), t.cpu_us, t.wakeups);
  }
  std::printf("\n");
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
  std::vector<Subject> subjects = {{"floor mqtt", "floor-mqtt", Dialect::mqtt, Subject::floor},
                                   {"agent mqtt", "agent-mqtt", Dialect::mqtt, Subject::agent}};
  if (!settings.quick) {
    subjects.push_back({"floor azure", "floor-azure", Dialect::azure, Subject::floor});
    subjects.push_back({"agent azure", "agent-azure", Dialect::azure, Subject::agent});
    if (node_peer_installed()) {
      subjects.push_back({"node azure", "node-azure", Dialect::azure, Subject::node});
    } else {
      std::printf("node peer: not installed (bench/peers.sh installs it with npm)\n");
    }
  }
  std::printf(
      "lockDoor round trips: %d calls one at a time, %d with %d in flight; %d calls in all;"
      " start-up median of %d\n",
      settings.calls, settings.calls, kInFlight, settings.total_calls, settings.starts);
  std::vector<std::string> devices;
  for (const Subject& s : subjects) devices.push_back(s.device_id);
  Broker broker("server", Broker::Persistence::none, devices);
  std::vector<Figures> figures(subjects.size());
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    figures[i].start = start_up(subjects[i], broker, settings.starts);
    figures[i].allocations_per_call = allocations_per_call(subjects[i], broker, settings.calls);
    if (figures[i].start.median < 0 || figures[i].allocations_per_call < 0) {
      std::printf("%s: did not start, or did not answer every call\n", subjects[i].name);
      return 1;
    }
  }
  // The broker dialect's topics name the device, so its subjects run side by side. The Azure
  // dialect's name none (a hub knows the device by its connection), so two of its devices on one
  // broker would both take every request: each runs alone.
  std::vector<std::vector<std::size_t>> groups(1);
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    if (subjects[i].dialect == Dialect::mqtt) {
      groups.front().push_back(i);
    } else {
      groups.push_back({i});
    }
  }
  for (const auto& group : groups) {
    if (!measure_side_by_side(subjects, group, broker, settings, figures)) return 1;
  }
  for (std::size_t i = 0; i < subjects.size(); ++i) print(subjects[i], figures[i]);
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
  ok &= check(agent.end.rss_kib <= 5 * 1024, "RSS (KiB)", static_cast<double>(agent.end.rss_kib),
              "<=", 5 * 1024);
  ok &= check(agent.allocations_per_call <= floor.allocations_per_call + 4,
              "allocations per call, agent - floor",
              agent.allocations_per_call - floor.allocations_per_call, "<=", 4);
  // mbedtls is linked in (about 580 KiB of the 830 KiB).
  ok &= check(size > 0 && size <= 1024 * 1024, "stripped size (KiB)",
              static_cast<double>(size) / 1024, "<=", 1024);
  return ok ? 0 : 1;
}
