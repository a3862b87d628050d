#pragma once
// Small adapters the unit tests share.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>

#include "port/status.hpp"

namespace door::test {

// The value in out and an empty error, or the failure's reason in error: what most tests of a
// parser check.
template <typename T>
bool take_result(port::Result<T> result, T& out, std::string& error) {
  if (!result.is_ok()) {
    error = result.status().reason();
    return false;
  }
  error.clear();
  out = std::move(result).value();
  return true;
}

// A plain TCP connection to 127.0.0.1:port, as Paho makes one to the loopback hop; -1 when refused.
inline int connect_to_loopback(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace door::test
