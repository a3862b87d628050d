#pragma once
// The agent's config file (JSON). This part holds the connection settings made at install time.
#include <string>
#include <vector>

#include "hal/gpio.hpp"
#include "hal/lock_actuator.hpp"
#include "port/log.hpp"
#include "port/secret.hpp"
#include "port/status.hpp"

namespace door::agent {

enum class HubDialect { azure, mqtt };

struct ConnectionSettings {
  HubDialect hub = HubDialect::mqtt;
  std::string device_id;
  std::string host;  // the host the agent connects to (and verifies the certificate of)
  int port = 8883;

  // Azure: the hub's host name signs the SAS token and forms the username; `host` differs from it
  // only when connecting through a gateway.
  std::string hub_host_name;
  port::SecretString shared_access_key;        // base64; tokens are made from it and renewed
  port::SecretString shared_access_signature;  // a ready token (not renewable)
  int sas_token_seconds = 3600;

  // Broker dialect: username and password (the username defaults to the device id).
  std::string username;
  port::SecretString password;

  // TLS: verify the server against ca_file (system store when empty); optional client certificate.
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  bool verify_server = true;

  int keep_alive_seconds = 60;
  int reconnect_min_ms = 1000;
  int reconnect_max_ms = 30000;
};

// One GPIO line of the door; `line` empty when it is not wired.
struct LineSettings {
  hal::LineSpec spec;
  bool wired() const { return !spec.line.empty(); }
};

struct DoorSettings {
  bool configured = false;  // the config has a "door" section
  bool fake_gpio = false;   // simulated lines instead of the GPIO character device
  std::string chip = "/dev/gpiochip0";
  LineSettings lock;
  LineSettings feedback;  // active = locked
  LineSettings contact;   // active = door open
  hal::LockSettings lock_settings;
  // The release of an unlockDoor without unlockTime (a desired strikeTimeSeconds overrides it).
  int strike_time_seconds = 5;
  // The fake's control FIFO, transition log and simulated faults.
  std::string fake_control;
  std::string fake_transition_log;
  std::vector<std::string> fake_failing_lines;
  bool fake_feedback_follows_lock = true;
};

struct AgentConfig {
  ConnectionSettings connection;
  DoorSettings door;
  // The applied desired properties, written crash-safe by the agent (the config itself may sit on
  // a read-only file system).
  std::string state_file = "/var/lib/door-agent/desired.json";
  // Outlives the process but not the boot (a tmpfs): where a timed state that the state file's
  // directory cannot forget is voided. "" for none.
  std::string runtime_directory;
  // Door events kept for sending, beside the state file (a desired eventJournalCapacity overrides
  // it).
  int event_journal_capacity = 10000;
  port::Level log_level = port::Level::info;
};

// Loads and validates the file: the config, or a failure whose reason is one line naming the first
// problem; problems, when given, receives every problem found.
port::Result<AgentConfig> load_config(const std::string& path,
                                      std::vector<std::string>* problems = nullptr);
// Parses config text (path is only used in messages).
port::Result<AgentConfig> parse_config(const std::string& text, const std::string& path,
                                       std::vector<std::string>* problems = nullptr);

}  // namespace door::agent
