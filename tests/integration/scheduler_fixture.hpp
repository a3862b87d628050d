#pragma once
// Three real agents (door-1 to door-3) on the fake GPIO, a real broker, and the real scheduler
// process with a SQLite store of its own: the fleet the door-scheduler tests run jobs on.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "scheduler_cli.hpp"

namespace door::test {

inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class SchedulerFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"door-1", "door-2", "door-3"}) start_agent(id);
  }

  void start_agent(const std::string& id) {
    door_dirs_[id] = std::make_unique<TempDir>();
    const TempDir& dir = *door_dirs_[id];
    agents_[id] = std::make_unique<AgentProcess>(broker_dialect_config(
        broker_.port(), id, "",
        R"("stateFile":")" + dir.file("desired.json") + "\"," + fake_door_section(dir)));
    ASSERT_TRUE(agents_[id]->wait_online()) << agents_[id]->process().output();
  }

  CliResult scheduler(const std::vector<std::string>& args, int port = 0) {
    return cli_.run(args, port);
  }

  Broker broker_;
  SchedulerCli cli_{broker_};
  std::map<std::string, std::unique_ptr<TempDir>> door_dirs_;
  std::map<std::string, std::unique_ptr<AgentProcess>> agents_;
};

}  // namespace door::test
