// Idle cost of a connected door-agent: CPU time and wake-ups per thread over a quiet period.
// Usage: idle_cpu [seconds] (default 10). Starts its own TLS Mosquitto on loopback.
#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "agent_process.hpp"
#include "broker.hpp"

namespace {

struct ThreadSample {
  std::string name;
  long long cpu_ns = 0;
  long wakeups = 0;  // voluntary context switches: each is one sleep ended by an event or timeout
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::map<int, ThreadSample> sample(pid_t pid) {
  std::map<int, ThreadSample> threads;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return threads;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int tid = std::atoi(entry->d_name);
    const std::string base = task_dir + "/" + entry->d_name;
    ThreadSample t;
    t.name = read_file(base + "/comm");
    if (!t.name.empty() && t.name.back() == '\n') t.name.pop_back();
    // schedstat's first field: nanoseconds this thread has run on a CPU.
    t.cpu_ns = std::atoll(read_file(base + "/schedstat").c_str());
    std::istringstream status(read_file(base + "/status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) t.wakeups = std::atol(line.c_str() + 24);
    }
    threads[tid] = t;
  }
  closedir(dir);
  return threads;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace door::test;
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1"));
  if (!agent.wait_online()) {
    std::fprintf(stderr, "idle_cpu: the agent did not come online:\n%s",
                 agent.process().output().c_str());
    return 1;
  }
  const pid_t pid = agent.process().pid();
  const auto before = sample(pid);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the measured idle period
  const auto after = sample(pid);

  std::printf("door-agent idle for %d s, connected over TLS (keep-alive 60 s)\n", seconds);
  std::printf("%-8s %-16s %10s %10s %12s\n", "tid", "thread", "cpu ms", "wakeups", "wakeups/s");
  double total_ms = 0;
  long total_wakeups = 0;
  for (const auto& [tid, end] : after) {
    const auto start = before.find(tid);
    if (start == before.end()) continue;
    const double ms = static_cast<double>(end.cpu_ns - start->second.cpu_ns) / 1e6;
    const long wakeups = end.wakeups - start->second.wakeups;
    total_ms += ms;
    total_wakeups += wakeups;
    std::printf("%-8d %-16s %10.3f %10ld %12.2f\n", tid,
                tid == pid ? "loop (main)" : end.name.c_str(), ms, wakeups,
                static_cast<double>(wakeups) / seconds);
  }
  std::printf("%-25s %10.3f %10ld %12.2f\n", "total", total_ms, total_wakeups,
              static_cast<double>(total_wakeups) / seconds);
  std::printf("cpu share: %.4f %%\n", total_ms / (seconds * 10.0));
  return 0;
}
