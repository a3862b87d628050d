#pragma once
// A real broker for tests, on loopback ports reserved for it, always stopped on destruction:
// Mosquitto, or Aedes (tests/harness/aedes/, the Node.js broker) as a second, independent
// MQTT 3.1.1 implementation for the broker dialect. As deploy/mosquitto/door-broker.conf, the
// devices' listeners take a client id that is the user name (Mosquitto forces it, Aedes refuses
// another), and the scheduler has a listener of its own. Listeners (Aedes has the first three):
//   port():        TLS, the devices' user names and passwords, the shipped ACL
//                  (deploy/mosquitto/door-acl.conf)
//   cert_port():   TLS with required client certificates (CN = user name), the same ACL
//   service_port(): TLS, the scheduler's user name and password alone, any client id, the ACL
//   azure_port():  TLS, any credentials, no ACL: stands in for IoT Hub in the Azure dialect tests
//   azure_cert_port(): as azure_port() but requires a client certificate (IoT Hub with X.509)
//   plain_port():  plain MQTT without TLS, any credentials: what a device must refuse to talk to
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "reserved_port.hpp"
#include "temp_dir.hpp"

namespace door::test {

class Broker {
 public:
  // Passwords of the broker's users.
  static std::string device_password(const std::string& device_id) { return "pw-" + device_id; }
  static constexpr const char* kSchedulerUser = "scheduler";
  static constexpr const char* kSchedulerPassword = "scheduler-pw";
  // deploy/mosquitto/door-broker.conf's max_packet_size, which both brokers enforce: a bigger
  // packet closes its sender's connection.
  static int max_packet_size();

  // Where retained messages live across a restart: nowhere, or on disk as a production broker
  // keeps them (deploy/mosquitto/door-broker.conf).
  enum class Persistence { none, on_disk };
  enum class Kind { mosquitto, aedes };
  static const char* name(Kind kind) { return kind == Kind::mosquitto ? "Mosquitto" : "Aedes"; }

  // server_cert names the certificate the listeners present: "server" (valid), "server-expired",
  // "server-other-ca" or "server-wrong-host". more_devices: user names (with device_password())
  // beyond the test PKI's devices, for simulated fleets.
  explicit Broker(const std::string& server_cert = "server",
                  Persistence persistence = Persistence::none,
                  const std::vector<std::string>& more_devices = {}, Kind kind = Kind::mosquitto);
  explicit Broker(Kind kind, Persistence persistence = Persistence::none,
                  const std::vector<std::string>& more_devices = {})
      : Broker("server", persistence, more_devices, kind) {}
  ~Broker();

  void start();
  void stop();
  // Restarts with this ACL (Mosquitto's format) instead of the shipped one, on every listener
  // that has the ACL.
  void use_acl(const std::string& acl);
  // Starts again on the same ports.
  void restart() {
    stop();
    start();
  }

  int port() const { return port_.number(); }
  int cert_port() const { return cert_port_.number(); }
  int service_port() const { return service_port_.number(); }
  int azure_port() const { return azure_port_.number(); }
  int azure_cert_port() const { return azure_cert_port_.number(); }
  int plain_port() const { return plain_port_.number(); }
  Process& process() { return *process_; }
  Kind kind() const { return kind_; }

 private:
  void write_config(const std::string& server_cert, Persistence persistence,
                    const std::vector<std::string>& more_devices);
  void write_aedes_config(const std::string& server_cert, Persistence persistence,
                          const std::vector<std::string>& more_devices);

  Kind kind_;
  TempDir dir_;
  ReservedPort port_;
  ReservedPort cert_port_;
  ReservedPort service_port_;
  ReservedPort azure_port_;
  ReservedPort azure_cert_port_;
  ReservedPort plain_port_;
  std::unique_ptr<Process> process_;
};

}  // namespace door::test
