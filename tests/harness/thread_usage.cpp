#include "thread_usage.hpp"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace door::test {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::map<int, ThreadUsage> thread_usage(pid_t pid) {
  std::map<int, ThreadUsage> threads;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return threads;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string base = task_dir + "/" + entry->d_name;
    ThreadUsage t;
    t.name = read_file(base + "/comm");
    if (!t.name.empty() && t.name.back() == '\n') t.name.pop_back();
    // schedstat's first field: nanoseconds this thread has run on a CPU.
    t.cpu_ns = std::atoll(read_file(base + "/schedstat").c_str());
    std::istringstream status(read_file(base + "/status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) t.wakeups = std::atol(line.c_str() + 24);
    }
    threads[std::atoi(entry->d_name)] = t;
  }
  closedir(dir);
  return threads;
}

long long cpu_ns(pid_t pid) {
  long long total = 0;
  for (const auto& [tid, usage] : thread_usage(pid)) total += usage.cpu_ns;
  return total;
}

}  // namespace door::test
