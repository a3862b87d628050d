#include "scheduler_cli.hpp"

#include <sys/wait.h>

#include "process.hpp"
#include "test_pki.hpp"

namespace door::test {

SchedulerCli::SchedulerCli(const Broker& broker)
    : broker_(broker),
      password_file_(dir_.write("password", std::string(Broker::kSchedulerPassword) + "\n")) {}

std::vector<std::string> SchedulerCli::argv(const std::vector<std::string>& args, int port) const {
  std::vector<std::string> all = {
      DOOR_SCHEDULER_BINARY,
      "--broker",
      "localhost:" + std::to_string(port != 0 ? port : broker_.service_port()),
      "--ca",
      TestPki::shared().file("ca.pem"),
      "--password-file",
      password_file_,
      "--store",
      store_path()};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

CliResult SchedulerCli::run(const std::vector<std::string>& args, int port) const {
  Process p(argv(args, port));
  const auto status = p.wait_exit(60s);
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, p.output()};
}

}  // namespace door::test
