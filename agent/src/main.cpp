// door-agent: answers direct methods and applies desired properties for one door controller.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "port/log.hpp"
#include "port/signals.hpp"

namespace {

constexpr const char* kDefaultConfig = "/etc/door-agent/config.json";

void print_usage(FILE* out) {
  std::fprintf(out,
               "usage: door-agent [--config FILE]\n"
               "       door-agent --version | --help\n"
               "\n"
               "Connects one door controller to Azure IoT Hub or an MQTT broker over TLS and\n"
               "answers its direct methods. FILE defaults to %s.\n"
               "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the log level.\n",
               kDefaultConfig);
}

}  // namespace

int main(int argc, char** argv) {
  // Block the handled signals before Paho starts its threads, so only the loop's signalfd sees
  // them.
  door::port::SignalFd signals;

  std::string config_path = kDefaultConfig;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
      print_usage(stdout);
      return 0;
    }
    if (std::strcmp(arg, "--version") == 0) {
      std::printf("door-agent %s\n", DOOR_AGENT_VERSION);
      return 0;
    }
    if ((std::strcmp(arg, "--config") == 0 || std::strcmp(arg, "-c") == 0) && i + 1 < argc) {
      config_path = argv[++i];
      continue;
    }
    std::fprintf(stderr, "door-agent: unknown or incomplete option '%s' (see --help)\n", arg);
    return 2;
  }

  door::agent::AgentConfig config;
  std::string error;
  if (!door::agent::load_config(config_path, config, error)) {
    std::fprintf(stderr, "door-agent: %s\n", error.c_str());
    return 2;
  }
  door::port::set_log_level(config.log_level);
  // The agent's fixed buffers are a few hundred KiB: allocated once here, not on the stack.
  auto agent = std::make_unique<door::agent::Agent>(std::move(config), config_path, signals);
  return agent->run();
}
