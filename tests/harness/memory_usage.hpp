#pragma once
// A process's memory as the kernel counts it, for tests and benchmarks that check it stays flat.
#include <sys/types.h>

namespace door::test {

struct MemoryUsage {
  long rss_kib = -1;            // resident set (VmRSS)
  long private_dirty_kib = -1;  // written pages only this process has (smaps_rollup)
};

// Both figures for a running process; -1 where the kernel did not tell.
MemoryUsage memory_usage(pid_t pid);

}  // namespace door::test
