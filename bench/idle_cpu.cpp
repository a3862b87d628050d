// Idle cost of a connected door-agent: CPU time and wake-ups per thread over a quiet period.
// Usage: idle_cpu [seconds] (default 10). Starts its own TLS Mosquitto on loopback.
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "agent_process.hpp"
#include "broker.hpp"
#include "thread_usage.hpp"

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
  const auto before = thread_usage(pid);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the measured idle period
  const auto after = thread_usage(pid);

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
