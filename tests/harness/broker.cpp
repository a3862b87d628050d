#include "broker.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "test_pki.hpp"

namespace door::test {

namespace {

std::string current_user() {
  const passwd* pw = getpwuid(getuid());
  return pw != nullptr ? pw->pw_name : "root";
}

}  // namespace

int Broker::max_packet_size() {
  std::ifstream shipped(DOOR_SOURCE_DIR "/deploy/mosquitto/door-broker.conf");
  const std::string key = "max_packet_size ";
  for (std::string line; std::getline(shipped, line);) {
    if (line.rfind(key, 0) == 0) return std::stoi(line.substr(key.size()));
  }
  throw std::runtime_error("deploy/mosquitto/door-broker.conf sets no max_packet_size");
}

Broker::Broker(const std::string& server_cert, Persistence persistence,
               const std::vector<std::string>& more_devices, Kind kind)
    : kind_(kind) {
  std::ifstream shipped(DOOR_SOURCE_DIR "/deploy/mosquitto/door-acl.conf");
  std::stringstream acl;
  acl << shipped.rdbuf();
  dir_.write("acl.conf", acl.str());
  if (kind_ == Kind::aedes) {
    write_aedes_config(server_cert, persistence, more_devices);
  } else {
    write_config(server_cert, persistence, more_devices);
  }
  start();
}

Broker::~Broker() {
  stop();
}

void Broker::write_config(const std::string& server_cert, Persistence persistence,
                          const std::vector<std::string>& more_devices) {
  const TestPki& pki = TestPki::shared();
  std::string passwords;
  for (const char* id : TestPki::kDevices)
    passwords += std::string(id) + ":" + device_password(id) + "\n";
  for (const std::string& id : more_devices) passwords += id + ":" + device_password(id) + "\n";
  dir_.write("passwords", passwords);
  dir_.write("service-passwords", std::string(kSchedulerUser) + ":" + kSchedulerPassword + "\n");
  for (const char* file : {"passwords", "service-passwords"}) {
    Process hash({"mosquitto_passwd", "-U", dir_.file(file)});
    if (hash.wait_exit(30s) != 0) throw std::runtime_error("mosquitto_passwd failed");
  }

  const std::string acl = dir_.file("acl.conf");
  const auto listener = [&](int port, const std::string& settings) {
    return "\nlistener " + std::to_string(port) + " 127.0.0.1\n" + "cafile " + pki.file("ca.pem") +
           "\n" + "certfile " + pki.file(server_cert + ".pem") + "\n" + "keyfile " +
           pki.file(server_cert + ".key") + "\n" + "tls_version tlsv1.2\n" + settings;
  };
  const std::string client_certificates =
      "require_certificate true\nuse_identity_as_username true\n";
  const std::string devices_settings = "use_username_as_clientid true\nacl_file " + acl + "\n";
  // As deploy/mosquitto/door-broker.conf: small packets at once, room for a fleet's documents,
  // no packet over IoT Hub's limit.
  std::string config =
      "per_listener_settings true\nset_tcp_nodelay true\nmax_queued_messages "
      "300000\nmax_packet_size " +
      std::to_string(max_packet_size()) + "\n";
  config += "user " + current_user() + "\n";  // stay the caller when started as root
  config += persistence == Persistence::on_disk
                ? "persistence true\npersistence_location " + dir_.file("") + "\n"
                : "persistence false\n";
  config += "log_dest stderr\nconnection_messages true\n";
  config += "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
  config += listener(port_.number(), "allow_anonymous false\npassword_file " +
                                         dir_.file("passwords") + "\n" + devices_settings);
  config += listener(cert_port_.number(), client_certificates + devices_settings);
  config += listener(service_port_.number(), "allow_anonymous false\npassword_file " +
                                                 dir_.file("service-passwords") + "\nacl_file " +
                                                 acl + "\n");
  config += listener(azure_port_.number(), "allow_anonymous true\n");
  config += listener(azure_cert_port_.number(), client_certificates);
  config +=
      "\nlistener " + std::to_string(plain_port_.number()) + " 127.0.0.1\nallow_anonymous true\n";
  dir_.write("mosquitto.conf", config);
}

void Broker::write_aedes_config(const std::string& server_cert, Persistence persistence,
                                const std::vector<std::string>& more_devices) {
  const TestPki& pki = TestPki::shared();
  std::string passwords;
  const auto add_device = [&](const std::string& id) {
    passwords += std::string(passwords.empty() ? "" : ",") + "\"" + id + "\":\"" +
                 device_password(id) + "\"";
  };
  for (const char* id : TestPki::kDevices) add_device(id);
  for (const std::string& id : more_devices) add_device(id);
  // As the Mosquitto listeners: the same certificates, the shipped ACL, Nagle off, the largest
  // packet.
  std::string config = "{\"port\":" + std::to_string(port_.number()) +
                       ",\"certPort\":" + std::to_string(cert_port_.number()) +
                       ",\"servicePort\":" + std::to_string(service_port_.number()) +
                       ",\"servicePasswords\":{\"" + kSchedulerUser + "\":\"" + kSchedulerPassword +
                       "\"},\"maxPacketSize\":" + std::to_string(max_packet_size()) + ",\"ca\":\"" +
                       pki.file("ca.pem") + "\",\"cert\":\"" + pki.file(server_cert + ".pem") +
                       "\",\"key\":\"" + pki.file(server_cert + ".key") + "\",\"acl\":\"" +
                       dir_.file("acl.conf") + "\"" + ",\"noDelay\":true,\"passwords\":{" +
                       passwords + "}";
  if (persistence == Persistence::on_disk) {
    config += ",\"retainedFile\":\"" + dir_.file("retained.json") + "\"";
  }
  dir_.write("aedes.json", config + "}");
}

void Broker::use_acl(const std::string& acl) {
  dir_.write("acl.conf", acl);
  restart();
}

void Broker::start() {
  if (kind_ == Kind::aedes) {
    process_ = std::make_unique<Process>(std::vector<std::string>{
        "node", DOOR_SOURCE_DIR "/tests/harness/aedes/broker.mjs", dir_.file("aedes.json")});
    if (!process_->wait_for_output(" running", 20s)) {
      throw std::runtime_error(
          "aedes did not start (npm ci --prefix tests/harness/aedes installs it):\n" +
          process_->output());
    }
    return;
  }
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"mosquitto", "-c", dir_.file("mosquitto.conf")});
  // Mosquitto says "running" once every listener is bound and listening; its "Opening ... listen
  // socket" lines come before the bind, which may still fail.
  if (!process_->wait_for_output(" running", 10s)) {
    throw std::runtime_error("mosquitto did not start:\n" + process_->output());
  }
}

void Broker::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(5s)) process_->signal(SIGKILL);
  process_.reset();
}

}  // namespace door::test
