#pragma once
// Runs the real door-scheduler executable against the test broker, with a store of its own.
#include <string>
#include <vector>

#include "broker.hpp"
#include "temp_dir.hpp"

namespace door::test {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class SchedulerCli {
 public:
  explicit SchedulerCli(const Broker& broker);

  // The full command line: connection options for the broker's service listener (or another
  // port), then args.
  std::vector<std::string> argv(const std::vector<std::string>& args, int port = 0) const;
  // Runs it to the end.
  CliResult run(const std::vector<std::string>& args, int port = 0) const;
  // The job store every command line uses.
  std::string store_path() const { return dir_.file("jobs.db"); }

 private:
  const Broker& broker_;
  TempDir dir_;
  std::string password_file_;
};

}  // namespace door::test
