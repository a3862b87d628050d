// Many door-agents in one process, for the fleet benchmark beyond what one process per device
// allows on a small machine: one agent core per config file, each on its own thread with its own
// event loop, MQTT session, fake door and state file, as the door-agent binary runs it. They share
// the process's Paho threads and its log level (the agent core has no other process-wide state).
// Usage: agent_fleet CONFIG...; each agent logs as door-agent does ("online: device ..."). Runs
// until killed: a stop signal would reach only one of the agents.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "descriptor_limit.hpp"
#include "port/log.hpp"
#include "port/signals.hpp"

int main(int argc, char** argv) {
  // Before any thread starts, so every thread leaves the handled signals to the signal descriptor.
  door::port::SignalFd signals;
  door::bench::raise_descriptor_limit();  // each agent holds 7: loop, wake-ups, fake door, socket

  std::vector<std::unique_ptr<door::agent::Agent>> agents;
  for (int i = 1; i < argc; ++i) {
    door::port::Result<door::agent::AgentConfig> config = door::agent::load_config(argv[i]);
    if (!config.is_ok()) {
      std::fprintf(stderr, "agent_fleet: %s\n", config.status().reason());
      return 2;
    }
    door::port::set_log_level(config.value().log_level);
    agents.push_back(
        std::make_unique<door::agent::Agent>(std::move(config).value(), argv[i], signals));
  }
  std::vector<std::thread> threads;
  for (auto& agent : agents) threads.emplace_back([&agent] { agent->run(); });
  for (auto& thread : threads) thread.join();
  return 0;
}
