#include "memory_usage.hpp"

#include <fstream>
#include <string>

namespace door::test {

namespace {

// The value of the first "<label> <number> kB" line of a /proc file.
long kib_field(const std::string& path, const std::string& label) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, label.size(), label) == 0) return std::stol(line.substr(label.size()));
  }
  return -1;
}

}  // namespace

MemoryUsage memory_usage(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  return {kib_field(proc + "/status", "VmRSS:"),
          kib_field(proc + "/smaps_rollup", "Private_Dirty:")};
}

}  // namespace door::test
