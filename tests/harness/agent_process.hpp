#pragma once
// Runs the real door-agent executable with a config made for the test broker.
#include <memory>
#include <string>

#include "broker.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace door::test {

// Config for the broker dialect with a password on the broker's password listener. extra_top adds
// top-level members (such as a "door" section).
std::string broker_dialect_config(int port, const std::string& device_id,
                                  const std::string& extra_connection = "",
                                  const std::string& extra_top = "");
// Config for the Azure dialect against the broker's stand-in IoT Hub listener. The connection
// string's HostName is localhost so the server certificate matches.
std::string azure_dialect_config(int port, const std::string& device_id,
                                 const std::string& extra_connection = "",
                                 const std::string& extra_top = "");

// A "door" section on the fake GPIO: lock output LOCK (energized_means "unlocked": a fail-secure
// strike; "locked": a maglock), feedback FEEDBACK following it, door contact DOOR; control FIFO
// "fake-gpio" and transition log "transitions.log" in dir. door_extra and fake_extra add members
// to the door and fake objects.
std::string fake_door_section(const TempDir& dir, const std::string& energized_means = "unlocked",
                              const std::string& door_extra = "",
                              const std::string& fake_extra = "");
// Sends a line ("set DOOR active") to the control FIFO of the fake GPIO that fake_door_section
// made in dir; false when no agent has it open.
bool fake_command(const TempDir& dir, const std::string& command);
// An example device key (base64 of 32 bytes), as IoT Hub issues them.
constexpr const char* kTestDeviceKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

class AgentProcess {
 public:
  explicit AgentProcess(const std::string& config_json, std::vector<std::string> environment = {});

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
