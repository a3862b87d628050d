// The loopback hop takes only the connection the agent's own process makes: a local client of
// another process is closed at once, gets nothing, and does not keep the process's own out.
#include "agent/loopback_hop.hpp"
#include "unit_test_support.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace
}  // namespace door::agent
