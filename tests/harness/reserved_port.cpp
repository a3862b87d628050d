#include "reserved_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

namespace door::test {

ReservedPort::ReservedPort() {
  // Below the kernel's ephemeral range (32768 and up by default), so the local ports of outgoing
  // connections, which come from that range, never hold a port a listener is about to bind.
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = pick(random);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Bound without SO_REUSEADDR first: that fails while any other socket holds the port. Only
    // then marked reusable, which lets a listener that sets it too bind beside this socket.
    const int on = 1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0) {
      fd_ = fd;
      number_ = port;
      return;
    }
    close(fd);
  }
  throw std::runtime_error("cannot reserve a free loopback port");
}

ReservedPort::~ReservedPort() {
  close(fd_);
}

}  // namespace door::test
