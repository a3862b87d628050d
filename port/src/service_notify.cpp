#include "port/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "port/log.hpp"

namespace door::port {

ServiceNotify::ServiceNotify() {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || (socket_path[0] != '/' && socket_path[0] != '@')) return;
  const std::size_t length = std::strlen(socket_path);
  if (length >= sizeof path_) return;
  std::memcpy(path_, socket_path, length);
  if (path_[0] == '@') path_[0] = '\0';  // an abstract socket
  path_length_ = static_cast<unsigned>(length);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  const bool for_us = pid == nullptr || std::atol(pid) == static_cast<long>(getpid());
  if (usec != nullptr && for_us) {
    const long long microseconds = std::atoll(usec);
    if (microseconds > 0) watchdog_interval_ms_ = microseconds / 2000;
  }
}

ServiceNotify::~ServiceNotify() {
  if (fd_ >= 0) close(fd_);
}

void ServiceNotify::send(const char* message) {
  if (fd_ < 0) return;  // not run by systemd
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_, path_length_);
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_length_);
  const std::size_t length = std::strlen(message);
  if (sendto(fd_, message, length, MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), size) !=
      static_cast<ssize_t>(length)) {
    // systemd then goes by its timeouts (start, watchdog); the agent carries on.
    log_errno(Level::warning, "service manager notification not sent");
  }
}

}  // namespace door::port
