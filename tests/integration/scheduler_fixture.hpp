#pragma once
// Three real agents (door-1 to door-3) on the fake GPIO, a real broker, and the real scheduler
// process with a SQLite store of its own: the fleet the door-scheduler tests run jobs on.
#include <gtest/gtest.h>

#include <ctime>
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

// What follows the first `marker` in output, to the end of its line; empty without one.
inline std::string after(const std::string& output, const std::string& marker) {
  const auto at = output.find(marker);
  if (at == std::string::npos) return "";
  const auto from = at + marker.size();
  return output.substr(from, output.find('\n', from) - from);
}

// Whether text starts with a time as the scheduler shows it: ISO 8601 UTC
// ("2026-11-23T21:00:00Z"), or with --local-time, local time and its zone
// ("2026-11-23 22:00:00 CET +0100"). (No std::regex: GCC 12 warns inside it at -O2.)
inline bool starts_with_utc_time(const std::string& text) {
  tm parts{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  return end != nullptr && end - text.c_str() == 19 && *end == 'Z';
}
inline bool starts_with_local_time(const std::string& text) {
  tm parts{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &parts);
  if (end == nullptr || end - text.c_str() != 19 || *end != ' ') return false;
  const std::string zone = end + 1;  // "CET +0100"
  const auto space = zone.find(' ');
  return space != std::string::npos && space > 0 && zone.size() == space + 6 &&
         (zone[space + 1] == '+' || zone[space + 1] == '-') &&
         zone.find_first_not_of("0123456789", space + 2) == std::string::npos;
}
// Each device's start (the "startTimeUtc" members of a job's --json output) in Unix seconds, in
// the order printed; a member that is not an ISO 8601 UTC time fails the test and ends the list.
inline std::vector<long> device_start_times(const std::string& output) {
  std::vector<long> starts;
  const std::string key = "\"startTimeUtc\":\t\"";
  for (std::size_t at = output.find(key); at != std::string::npos; at = output.find(key, at + 1)) {
    tm parts{};
    if (strptime(output.c_str() + at + key.size(), "%Y-%m-%dT%H:%M:%SZ", &parts) == nullptr) {
      ADD_FAILURE() << "a startTimeUtc that is not a UTC time in " << output;
      break;
    }
    starts.push_back(static_cast<long>(timegm(&parts)));
  }
  return starts;
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
