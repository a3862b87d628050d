// The loopback hop takes only the connection the agent's own process makes, and only while it is
// established: a local client of another process is closed at once, gets nothing, and does not keep
// the process's own out; a dead connection on a port the process now uses is not taken; a flood of
// refusals is logged once per interval.
#include "agent/loopback_hop.hpp"
#include "unit_test_support.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace door::agent {
namespace {

// Another process connects to the hop and reads until its connection ends; its exit status is the
// number of bytes it got (at most 255), or 255 when it could not connect.
pid_t foreign_client(uint16_t port) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int fd = test::connect_to_loopback(port);
  if (fd < 0) _exit(255);
  std::size_t total = 0;
  char buffer[256];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) total += static_cast<std::size_t>(n);
  _exit(total > 254 ? 254 : static_cast<int>(total));
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 10000) == 1;
}

TEST(LoopbackHop, AForeignLocalClientIsClosedAndTheProcesssOwnConnectionIsTaken) {
  LoopbackHop hop;
  ASSERT_TRUE(hop.open().is_ok());
  ASSERT_NE(hop.port(), 0);
  const pid_t foreign = foreign_client(hop.port());
  ASSERT_GT(foreign, 0);
  ASSERT_TRUE(readable(hop.fd()));  // the foreign connection is the first one waiting
  const int own = test::connect_to_loopback(hop.port());
  ASSERT_GE(own, 0);

  int taken = -1;
  while (taken < 0 && readable(hop.fd())) taken = hop.accept_own();
  ASSERT_GE(taken, 0);
  // The connection taken is this process's: what one end writes, the other reads.
  ASSERT_EQ(write(own, "MQTT", 4), 4);
  char got[4] = {};
  ASSERT_TRUE(readable(taken));
  ASSERT_EQ(read(taken, got, sizeof got), 4);
  EXPECT_EQ(std::string(got, 4), "MQTT");

  int status = 0;
  ASSERT_EQ(waitpid(foreign, &status, 0), foreign);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the foreign client connected and got bytes, or none at all";
  close(taken);
  close(own);
}

TEST(LoopbackHop, ItsOwnConnectionsAreKnownOnlyWithTheirBothEnds) {
  LoopbackHop hop;
  ASSERT_TRUE(hop.open().is_ok());
  const int own = test::connect_to_loopback(hop.port());
  ASSERT_GE(own, 0);
  sockaddr_in local{};
  socklen_t length = sizeof local;
  ASSERT_EQ(getsockname(own, reinterpret_cast<sockaddr*>(&local), &length), 0);
  const uint16_t own_port = ntohs(local.sin_port);
  EXPECT_EQ(own_connection(own_port, hop.port()), own);
  EXPECT_EQ(own_connection(own_port, static_cast<uint16_t>(hop.port() + 1)), -1);
  close(own);
}

// A socket bound to 127.0.0.1:local_port (reusable) and connected to 127.0.0.1:remote_port.
int connect_from(uint16_t local_port, uint16_t remote_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(local_port);
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in remote = local;
  remote.sin_port = htons(remote_port);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

uint16_t local_port_of(int fd) {
  sockaddr_in local{};
  socklen_t length = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return 0;
  return ntohs(local.sin_port);
}

// Closes with a reset (no FIN, no TIME_WAIT), as a client that gives up at once does.
void reset(int fd) {
  const linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  close(fd);
}

TEST(LoopbackHop, AConnectionResetInTheBacklogIsNotTakenForTheOneNowOnItsPort) {
  LoopbackHop hop;
  ASSERT_TRUE(hop.open().is_ok());
  // A connection that gave up while it waited, then a live one from the same local port: the
  // dead one's peer address matches a socket of this process, but only the live one may be taken.
  const int gave_up = connect_from(0, hop.port());
  ASSERT_GE(gave_up, 0);
  const uint16_t port = local_port_of(gave_up);
  reset(gave_up);
  const int live = connect_from(port, hop.port());
  ASSERT_GE(live, 0) << "port " << port;

  int taken = -1;
  while (taken < 0 && readable(hop.fd())) taken = hop.accept_own();
  ASSERT_GE(taken, 0);
  ASSERT_EQ(write(live, "MQTT", 4), 4);
  char got[4] = {};
  ASSERT_TRUE(readable(taken));
  ASSERT_EQ(read(taken, got, sizeof got), 4) << "the connection taken is the dead one";
  EXPECT_EQ(std::string(got, 4), "MQTT");
  close(taken);
  close(live);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(LoopbackHop, AFloodOfForeignConnectionsIsLoggedOncePerInterval) {
  constexpr int kFlood = 8;
  LoopbackHop hop;
  ASSERT_TRUE(hop.open().is_ok());
  const pid_t flooder = fork();
  ASSERT_GE(flooder, 0);
  if (flooder == 0) {
    for (int i = 0; i < kFlood; ++i) {
      const int fd = test::connect_to_loopback(hop.port());
      if (fd < 0) _exit(1);
      reset(fd);
    }
    _exit(0);
  }
  testing::internal::CaptureStderr();
  int status = 0;
  while (waitpid(flooder, &status, WNOHANG) == 0) {
    pollfd p{hop.fd(), POLLIN, 0};
    if (poll(&p, 1, 100) == 1) {
      EXPECT_EQ(hop.accept_own(), -1);
    }
  }
  while (hop.accept_own() >= 0) {
  }
  hop.close();  // tells what it has not logged yet
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the flood could not connect";
  EXPECT_EQ(count(log, "refused a connection to the loopback hop"), 1u) << log;
  EXPECT_EQ(count(log, "refused " + std::to_string(kFlood - 1) + " more connections"), 1u) << log;
}

}  // namespace
}  // namespace door::agent
