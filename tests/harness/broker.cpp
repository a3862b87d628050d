#include "broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

#include "test_pki.hpp"

namespace door::test {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

std::string current_user() {
  const passwd* pw = getpwuid(getuid());
  return pw != nullptr ? pw->pw_name : "root";
}

}  // namespace

int free_port() {
  // Below the kernel's ephemeral range (32768 and up by default), so the local ports of outgoing
  // connections, which come from that range, never take a listener's port before it binds.
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = pick(random);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(port);
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("cannot find a free port");
}

Broker::Broker(const std::string& server_cert, Persistence persistence,
               const std::vector<std::string>& more_devices) {
  // Another test may bind a port between the check and mosquitto's bind: then try other ports.
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    cert_port_ = free_port();
    azure_port_ = free_port();
    azure_cert_port_ = free_port();
    plain_port_ = free_port();
    write_config(server_cert, persistence, more_devices);
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      if (process_) process_->wait_exit(5s);  // its output is complete once it has exited
      const bool taken = process_ && process_->count_output("Address already in use") > 0;
      process_.reset();
      if (!taken || attempt == 5) throw;
    }
  }
}

Broker::~Broker() {
  stop();
}

void Broker::write_config(const std::string& server_cert, Persistence persistence,
                          const std::vector<std::string>& more_devices) {
  const TestPki& pki = TestPki::shared();
  std::string passwords = std::string(kSchedulerUser) + ":" + kSchedulerPassword + "\n";
  for (const char* id : TestPki::kDevices)
    passwords += std::string(id) + ":" + device_password(id) + "\n";
  for (const std::string& id : more_devices) passwords += id + ":" + device_password(id) + "\n";
  dir_.write("passwords", passwords);
  Process hash({"mosquitto_passwd", "-U", dir_.file("passwords")});
  if (hash.wait_exit(30s) != 0) throw std::runtime_error("mosquitto_passwd failed");

  const std::string acl = DOOR_SOURCE_DIR "/deploy/mosquitto/door-acl.conf";
  const auto listener = [&](int port, const std::string& settings) {
    return "\nlistener " + std::to_string(port) + " 127.0.0.1\n" + "cafile " + pki.file("ca.pem") +
           "\n" + "certfile " + pki.file(server_cert + ".pem") + "\n" + "keyfile " +
           pki.file(server_cert + ".key") + "\n" + "tls_version tlsv1.2\n" + settings;
  };
  const std::string client_certificates =
      "require_certificate true\nuse_identity_as_username true\n";
  // As deploy/mosquitto/door-broker.conf: small packets at once, room for a fleet's documents.
  std::string config =
      "per_listener_settings true\nset_tcp_nodelay true\nmax_queued_messages 300000\n";
  config += "user " + current_user() + "\n";  // stay the caller when started as root
  config += persistence == Persistence::on_disk
                ? "persistence true\npersistence_location " + dir_.file("") + "\n"
                : "persistence false\n";
  config += "log_dest stderr\nconnection_messages true\n";
  config += "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
  config += listener(port_, "allow_anonymous false\npassword_file " + dir_.file("passwords") +
                                "\nacl_file " + acl + "\n");
  config += listener(cert_port_, client_certificates + "acl_file " + acl + "\n");
  config += listener(azure_port_, "allow_anonymous true\n");
  config += listener(azure_cert_port_, client_certificates);
  config += "\nlistener " + std::to_string(plain_port_) + " 127.0.0.1\nallow_anonymous true\n";
  dir_.write("mosquitto.conf", config);
}

void Broker::start() {
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"mosquitto", "-c", dir_.file("mosquitto.conf")});
  // Mosquitto says when each listener is open. A probe could not tell: it might reach another
  // test's broker on the same port while this one failed to bind it.
  for (int port : {port_, cert_port_, azure_port_, azure_cert_port_, plain_port_}) {
    if (!process_->wait_for_output("listen socket on port " + std::to_string(port) + ".", 10s)) {
      throw std::runtime_error("mosquitto did not start:\n" + process_->output());
    }
  }
}

void Broker::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(5s)) process_->signal(SIGKILL);
  process_.reset();
}

}  // namespace door::test
