#pragma once
// The loopback hop that carries MQTT from Paho's non-TLS client to the agent's TLS session: a
// listener on 127.0.0.1 with an ephemeral port, open while Paho connects. It accepts one
// connection, and only one made by this process and still established: the peer's address must be
// the local address of one of the process's own sockets. Any other local connection is closed at
// once; refusals are logged at most once per interval, so a flood of them cannot flood the log.
#include <netinet/in.h>

#include <cstdint>

#include "port/status.hpp"

namespace door::agent {

class LoopbackHop {
 public:
  LoopbackHop() = default;
  ~LoopbackHop() { close(); }
  LoopbackHop(const LoopbackHop&) = delete;
  LoopbackHop& operator=(const LoopbackHop&) = delete;

  // Listens on 127.0.0.1, on a port the kernel picks.
  [[nodiscard]] port::Status open();
  int fd() const { return listener_; }
  uint16_t port() const { return port_; }
  // Accepts what is waiting: the process's own connection (returned, non-blocking), or -1 once no
  // more is waiting. Foreign or dead connections are closed on the way. Both ends of the one
  // accepted send at once (TCP_NODELAY): Nagle's algorithm would hold a small MQTT packet until
  // the peer's delayed acknowledgement of the previous one.
  int accept_own();
  void close();

 private:
  void refuse(int fd, const sockaddr_in& peer, const char* why);
  void log_unreported_refusals();

  int listener_ = -1;
  uint16_t port_ = 0;
  int64_t last_report_ms_ = 0;
  bool reported_ = false;    // a refusal was logged in this listener's life
  uint32_t unreported_ = 0;  // refusals since the last line logged
};

// The descriptor of this process's socket connected from 127.0.0.1:local_port to
// 127.0.0.1:remote_port (the other end of a loopback connection the process made itself), or -1.
// (The kernel may give the same local port to connections to different destinations, so both
// ports count.)
int own_connection(uint16_t local_port, uint16_t remote_port);

}  // namespace door::agent
