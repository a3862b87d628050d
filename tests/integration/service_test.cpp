// The agent under systemd's notification protocol: a fake NOTIFY_SOCKET receives what it says.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>

#include "agent_process.hpp"
#include "broker.hpp"
#include "reserved_port.hpp"

namespace door::test {
namespace {

// A datagram socket where the agent's notifications arrive, as systemd's would.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    const timeval timeout{15, 0};  // a bounded wait for each datagram
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~NotifySocket() { close(fd_); }

  // The next notification, or empty after the timeout.
  std::string next() {
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string{};
  }

  // Waits for a notification that contains text, up to 15 s: the watchdog's keep-alives alone must
  // not keep a wait for something that never comes going.
  bool wait_for(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    for (std::string m = next(); !m.empty() && std::chrono::steady_clock::now() < deadline;
         m = next()) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(Service, TellsSystemdWhenReadyKeepsTheWatchdogFedAndSaysWhenStopping) {
  TempDir dir;
  NotifySocket systemd(dir.file("notify"));
  Broker broker;
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1", "",
                                           R"("stateFile":")" + dir.file("desired.json") + "\""),
                     {"NOTIFY_SOCKET=" + dir.file("notify"), "WATCHDOG_USEC=400000"});
  // Before the network; this agent has no door section, and says so.
  EXPECT_TRUE(systemd.wait_for("READY=1\nSTATUS=connecting; door hardware unavailable"))
      << agent.process().output();
  EXPECT_TRUE(systemd.wait_for("WATCHDOG=1")) << agent.process().output();
  EXPECT_TRUE(systemd.wait_for("STATUS=online")) << agent.process().output();
  EXPECT_TRUE(systemd.wait_for("WATCHDOG=1"));  // still fed once online
  agent.process().signal(SIGTERM);
  EXPECT_TRUE(systemd.wait_for("STOPPING=1"));
}

// A door is ready when its lock line holds its safe state and the loop runs, not when the network
// is up: with the broker unreachable, systemctl start must return and STATUS= must say why.
TEST(Service, IsReadyWithoutTheBrokerAndSaysWhyItIsOffline) {
  TempDir dir;
  NotifySocket systemd(dir.file("notify"));
  const ReservedPort nobody_listens;
  AgentProcess agent(broker_dialect_config(nobody_listens.number(), "door-1", "",
                                           fake_door_section(dir) + R"(,"stateFile":")" +
                                               dir.file("desired.json") + "\""),
                     {"NOTIFY_SOCKET=" + dir.file("notify")});
  EXPECT_TRUE(systemd.wait_for("READY=1")) << agent.process().output();
  EXPECT_TRUE(systemd.wait_for("STATUS=offline: cannot connect")) << agent.process().output();
  std::ifstream transitions(dir.file("transitions.log"));
  std::string first;
  EXPECT_TRUE(std::getline(transitions, first)) << "the lock line is requested before READY=1";
}

}  // namespace
}  // namespace door::test
