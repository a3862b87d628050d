#pragma once
// Runs the real door-agent executable with a config made for the test broker.
#include <memory>
#include <string>

#include "broker.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace door::test {

// Config for the broker dialect with a password on the broker's password listener.
std::string broker_dialect_config(int port, const std::string& device_id,
                                  const std::string& extra_connection = "");
// Config for the Azure dialect against the broker's stand-in IoT Hub listener. The connection
// string's HostName is localhost so the server certificate matches.
std::string azure_dialect_config(int port, const std::string& device_id,
                                 const std::string& extra_connection = "");
// An example device key (base64 of 32 bytes), as IoT Hub issues them.
constexpr const char* kTestDeviceKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

class AgentProcess {
 public:
  explicit AgentProcess(const std::string& config_json);

  Process& process() { return *process_; }
  // Waits for the agent's "online" log line (subscribed and announced).
  bool wait_online(std::chrono::milliseconds timeout = 20s, std::size_t from_line = 0);
  const std::string& config_path() const { return config_path_; }

 private:
  TempDir dir_;
  std::string config_path_;
  std::unique_ptr<Process> process_;
};

}  // namespace door::test
