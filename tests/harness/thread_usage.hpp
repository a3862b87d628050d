#pragma once
// CPU time and wake-ups of a running process's threads, for benchmarks that say where time went.
#include <sys/types.h>

#include <map>
#include <string>

namespace door::test {

struct ThreadUsage {
  std::string name;
  long long cpu_ns = 0;  // time run on a CPU so far
  long wakeups = 0;  // voluntary context switches: each is one sleep ended by an event or timeout
};

// Every live thread of pid, by thread id; empty when the process is gone.
std::map<int, ThreadUsage> thread_usage(pid_t pid);

// CPU time of all of pid's live threads together, in nanoseconds.
long long cpu_ns(pid_t pid);

}  // namespace door::test
