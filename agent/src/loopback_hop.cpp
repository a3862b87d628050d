#include "agent/loopback_hop.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::agent {

namespace {

// Refusals are logged at most once in this interval; the others are counted into the next line.
constexpr int64_t kRefusalReportIntervalMs = 10000;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool is_loopback(const sockaddr_in& address, socklen_t length, uint16_t port) {
  return length == sizeof address && address.sin_family == AF_INET &&
         address.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(address.sin_port) == port;
}

// True when the accepted connection can carry Paho's session: established, no error pending. A
// connection that was reset or closed while it waited in the backlog is not, even when its port is
// now the local port of one of the process's live sockets (the kernel reuses ports).
bool established(int fd) {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return false;
  tcp_info info{};
  length = sizeof info;
  return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 &&
         info.tcpi_state == TCP_ESTABLISHED;
}

}  // namespace

int own_connection(uint16_t local_port, uint16_t remote_port) {
  // /proc/self/fd names every descriptor of the process, whichever thread opened it.
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return -1;
  int found = -1;
  while (const dirent* entry = readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    sockaddr_in local{};
    sockaddr_in remote{};
    socklen_t local_length = sizeof local;
    socklen_t remote_length = sizeof remote;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_length) ==
            0 &&
        is_loopback(local, local_length, local_port) &&
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&remote), &remote_length) ==
            0 &&
        is_loopback(remote, remote_length, remote_port)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(fds);
  return found;
}

port::Status LoopbackHop::open() {
  close();
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (listener_ < 0) {
    const port::Status status = port::Status::system_error(port::Status::Code::io_error, errno,
                                                           "tls: cannot open the loopback hop");
    port::log(port::Level::error, "%s", status.reason());
    return status;
  }
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 4) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const port::Status status = port::Status::system_error(
        port::Status::Code::io_error, errno, "tls: cannot listen on the loopback hop");
    close();
    port::log(port::Level::error, "%s", status.reason());
    return status;
  }
  port_ = ntohs(address.sin_port);
  return port::Status::ok();
}

int LoopbackHop::accept_own() {
  while (listener_ >= 0) {
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    const int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return -1;
    }
    const uint16_t peer_port = ntohs(peer.sin_port);
    const int own = is_loopback(peer, length, peer_port) ? own_connection(peer_port, port_) : -1;
    if (own < 0) {
      refuse(fd, peer, "not made by this process");
      continue;
    }
    if (!established(fd)) {
      refuse(fd, peer, "no longer established");
      continue;
    }
    const int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 ||
        setsockopt(own, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
      port::log_errno(port::Level::warning, "tls: cannot set TCP_NODELAY on the loopback hop");
    }
    return fd;
  }
  return -1;
}

void LoopbackHop::refuse(int fd, const sockaddr_in& peer, const char* why) {
  ::close(fd);
  const int64_t now = port::monotonic_ms();
  if (reported_ && now - last_report_ms_ < kRefusalReportIntervalMs) {
    ++unreported_;
    return;
  }
  log_unreported_refusals();
  char address[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &peer.sin_addr, address, sizeof address);
  port::log(port::Level::warning, "tls: refused a connection to the loopback hop from %s:%u: %s",
            address, ntohs(peer.sin_port), why);
  reported_ = true;
  last_report_ms_ = now;
}

void LoopbackHop::log_unreported_refusals() {
  if (unreported_ == 0) return;
  port::log(port::Level::warning,
            "tls: refused %u more connections to the loopback hop since the last report",
            unreported_);
  unreported_ = 0;
}

void LoopbackHop::close() {
  log_unreported_refusals();
  if (listener_ >= 0) ::close(listener_);
  listener_ = -1;
  port_ = 0;
  reported_ = false;
}

}  // namespace door::agent
