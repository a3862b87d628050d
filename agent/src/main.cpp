// door-agent: answers direct methods and applies desired properties for one door controller.
#include <malloc.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "agent/key_request.hpp"
#include "port/log.hpp"
#include "port/secret.hpp"
#include "port/signals.hpp"

namespace {

constexpr const char* kDefaultConfig = "/etc/door-agent/config.json";

void print_usage(FILE* out) {
  std::fprintf(out,
               "usage: door-agent [--config FILE]\n"
               "       door-agent --check-config FILE\n"
               "       door-agent --make-csr DEVICE [--key FILE] [--rekey]\n"
               "       door-agent --version | --help\n"
               "\n"
               "Connects one door controller to Azure IoT Hub or an MQTT broker over TLS and\n"
               "answers its direct methods. FILE defaults to %s.\n"
               "--check-config validates FILE, names every problem, and exits 1 if there is one.\n"
               "--make-csr makes the device's own EC P-256 key, which never leaves the board,\n"
               "in --key FILE (default %s): root:door-agent 0640 when\n"
               "root makes it on a host with that group, else 0600. It prints the key's\n"
               "certificate signing request, subject CN=DEVICE, for door-fleet sign on the\n"
               "broker host, and refuses to replace a key unless --rekey is given.\n"
               "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the log level.\n",
               kDefaultConfig, door::agent::kDefaultKeyFile);
}

// Validates a config file without starting: every problem on its own line, or a summary.
int check_config(const char* path) {
  std::vector<std::string> problems;
  const door::port::Result<door::agent::AgentConfig> loaded =
      door::agent::load_config(path, &problems);
  if (!loaded.is_ok()) {
    std::fprintf(stderr, "door-agent: %s has %zu problem%s:\n", path, problems.size(),
                 problems.size() == 1 ? "" : "s");
    for (const auto& problem : problems) std::fprintf(stderr, "  %s\n", problem.c_str());
    return 1;
  }
  const door::agent::AgentConfig& config = loaded.value();
  const auto& c = config.connection;
  const auto& d = config.door;
  std::printf(
      "%s: valid. %s hub, device %s, server %s:%d, %s; door: %s; desired properties in %s\n", path,
      c.hub == door::agent::HubDialect::azure ? "Azure IoT" : "MQTT", c.device_id.c_str(),
      c.host.c_str(), c.port,
      c.verify_server ? "server certificate verified" : "SERVER CERTIFICATE NOT VERIFIED",
      !d.configured ? "none configured (door methods answer 503)"
      : d.fake_gpio ? "simulated (fake gpio)"
                    : ("lock on " + d.lock.spec.line + " of " + d.chip).c_str(),
      config.state_file.c_str());
  return 0;
}

// Makes the device's key and prints its CSR; the key is put in place only once the CSR is out.
int make_csr(const door::agent::KeyRequestOptions& options) {
  door::port::Result<door::agent::KeyRequest> made = door::agent::KeyRequest::make(options);
  if (!made.is_ok()) {
    std::fprintf(stderr, "door-agent: %s\n", made.status().reason());
    return 1;
  }
  door::agent::KeyRequest& request = made.value();
  const std::string& csr = request.csr_pem();
  if (std::fwrite(csr.data(), 1, csr.size(), stdout) != csr.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr,
                 "door-agent: cannot write the certificate signing request to standard output: "
                 "%s; no key was made\n",
                 std::strerror(errno));
    return 1;
  }
  if (const door::port::Status committed = request.commit(); !committed.is_ok()) {
    std::fprintf(stderr, "door-agent: %s; the request printed has no key: discard it\n",
                 committed.reason());
    return 1;
  }
  std::fprintf(stderr,
               "door-agent: new key in %s; its certificate signing request for %s is on standard "
               "output: sign it with door-fleet sign on the broker host\n",
               request.key_path().c_str(), options.device_id.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // One malloc arena for the loop and Paho's two threads: an arena per thread keeps its own
  // free memory, about 50 KiB of RSS here, and the loop allocates nothing once running.
  mallopt(M_ARENA_MAX, 1);
  // Its keys and passwords never go to a core file or to another process of its user.
  door::port::protect_process();
  // Block the handled signals before Paho starts its threads, so only the loop's signalfd sees
  // them.
  door::port::SignalFd signals;

  std::string config_path = kDefaultConfig;
  door::agent::KeyRequestOptions key_request;
  bool making_csr = false;
  bool key_options = false;  // --key or --rekey, which only --make-csr takes
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
    if (std::strcmp(arg, "--check-config") == 0 && i + 1 < argc) {
      return check_config(argv[i + 1]);
    }
    if (std::strcmp(arg, "--make-csr") == 0 && i + 1 < argc) {
      making_csr = true;
      key_request.device_id = argv[++i];
      continue;
    }
    if (std::strcmp(arg, "--key") == 0 && i + 1 < argc) {
      key_request.key_path = argv[++i];
      key_options = true;
      continue;
    }
    if (std::strcmp(arg, "--rekey") == 0) {
      key_request.rekey = true;
      key_options = true;
      continue;
    }
    if ((std::strcmp(arg, "--config") == 0 || std::strcmp(arg, "-c") == 0) && i + 1 < argc) {
      config_path = argv[++i];
      continue;
    }
    std::fprintf(stderr, "door-agent: unknown or incomplete option '%s' (see --help)\n", arg);
    return 2;
  }
  if (making_csr) return make_csr(key_request);
  if (key_options) {
    std::fprintf(stderr, "door-agent: --key and --rekey go with --make-csr (see --help)\n");
    return 2;
  }

  std::vector<std::string> problems;
  door::port::Result<door::agent::AgentConfig> loaded =
      door::agent::load_config(config_path, &problems);
  if (!loaded.is_ok()) {
    // The first problem whole: a status's reason is cut at kStatusReasonBytes.
    std::fprintf(stderr, "door-agent: %s\n", problems.front().c_str());
    return 2;
  }
  door::agent::AgentConfig config = std::move(loaded).value();
  door::port::set_log_level(config.log_level);
  // systemd's RuntimeDirectory= says where the runtime directory is, unless the config does.
  const char* runtime_directory = std::getenv("RUNTIME_DIRECTORY");
  if (config.runtime_directory.empty() && runtime_directory != nullptr) {
    config.runtime_directory = runtime_directory;
  }
  // The agent's fixed buffers are a few hundred KiB: allocated once here, not on the stack.
  auto agent = std::make_unique<door::agent::Agent>(std::move(config), config_path, signals);
  return agent->run();
}
