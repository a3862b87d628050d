#pragma once
// Fleets hold a few descriptors per device (sockets, pipes, event descriptors): a benchmark that
// runs one allows itself as many as the system lets a process have.
#include <sys/resource.h>

namespace door::bench {

inline void raise_descriptor_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace door::bench
