#include "tls_transport.hpp"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "port/log.hpp"

namespace door::agent {

namespace {

// The TCP connection and the TLS handshake. Paho's connection to the hop has its own timeout.
constexpr int64_t kHandshakeTimeoutMs = 10000;
// Edge-triggered: each wake-up moves everything that can move, so no interest ever changes.
constexpr uint32_t kSocketEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TlsTransport::TlsTransport(port::EventLoop& loop, Observer& observer)
    : loop_(loop), observer_(observer) {}

TlsTransport::~TlsTransport() {
  close();
}

port::Status TlsTransport::configure(const SessionOptions& options) {
  if (timeout_timer_ == port::kNoTimer) {
    auto timer = loop_.add_timer(&timeout_handler_);
    if (!timer.is_ok()) return timer.status();
    timeout_timer_ = timer.value();
  }
  host_ = options.host;
  port_ = std::to_string(options.port);
  return tls_.configure(options);
}

void TlsTransport::start() {
  close();
  started_ms_ = now_us();
  if (!tls_.open(host_.c_str(), port_.c_str()).is_ok()) {
    tls_.close();
    observer_.on_transport_failed(tls_.failure(), tls_.failure_text());
    return;
  }
  if (!loop_.add_fd(tls_.fd(), kSocketEvents, &server_handler_).is_ok()) {
    tls_.close();
    observer_.on_transport_failed(ConnectFailure::other, "cannot watch the server's socket");
    return;
  }
  server_fd_ = tls_.fd();
  phase_ = Phase::handshaking;
  loop_.arm_timer(timeout_timer_, kHandshakeTimeoutMs);
  advance_handshake();
}

void TlsTransport::advance_handshake() {
  switch (tls_.handshake()) {
    case TlsClient::Step::want_read:
    case TlsClient::Step::want_write: return;
    case TlsClient::Step::done: break;
    case TlsClient::Step::closed:
    case TlsClient::Step::failed: fail(tls_.failure(), tls_.failure_text()); return;
  }
  port::log(port::Level::info, "tls: %s handshake with %s:%s in %.1f ms",
            tls_.resumed() ? "resumed" : "full", host_.c_str(), port_.c_str(),
            static_cast<double>(now_us() - started_ms_) / 1000.0);
  // No timer closes the hop: were it closed while Paho's connect is still on its way (delayed by a
  // flood of local connections, say), another process could bind the freed port and take Paho's
  // CONNECT with its credentials. It stays until Paho's connection is in, or until the session
  // closes this transport once Paho has given up.
  loop_.cancel_timer(timeout_timer_);
  if (!hop_.open().is_ok() || !loop_.add_fd(hop_.fd(), EPOLLIN, &listener_handler_).is_ok()) {
    hop_.close();
    fail(ConnectFailure::other, "cannot open the loopback hop to the MQTT client");
    return;
  }
  phase_ = Phase::hop_open;
  observer_.on_transport_ready(hop_.port());
}

void TlsTransport::on_server(uint32_t) {
  if (phase_ == Phase::handshaking) {
    advance_handshake();
  } else if (phase_ == Phase::pumping) {
    pump();
  }
  // hop_open: what the server sends waits in the socket until Paho is connected.
}

void TlsTransport::on_listener(uint32_t) {
  const int fd = hop_.accept_own();
  if (fd < 0) return;
  // One connection only: the hop closes as soon as Paho's is in.
  loop_.remove_fd(hop_.fd(), &listener_handler_);
  hop_.close();
  if (!loop_.add_fd(fd, kSocketEvents, &client_handler_).is_ok()) {
    ::close(fd);
    close();
    return;
  }
  client_fd_ = fd;
  phase_ = Phase::pumping;
  pump();
}

void TlsTransport::on_client(uint32_t) {
  pump();
}

void TlsTransport::on_timeout() {
  if (phase_ == Phase::handshaking) fail(ConnectFailure::network, "the TLS handshake timed out");
}

void TlsTransport::fail(ConnectFailure failure, const char* text) {
  char reason[kEventDetailLength];
  std::snprintf(reason, sizeof reason, "%s", text);
  close();
  observer_.on_transport_failed(failure, reason);
}

void TlsTransport::pump() {
  if (phase_ != Phase::pumping) return;
  bool moved = true;
  while (moved && !ended_) {
    moved = pump_up();
    if (!ended_) moved = pump_down() || moved;
  }
  if (ended_) close();
}

bool TlsTransport::pump_up() {
  if (up_offset_ == up_length_) {
    const ssize_t n = ::read(client_fd_, up_, sizeof up_);
    if (n > 0) {
      up_length_ = static_cast<std::size_t>(n);
      up_offset_ = 0;
    } else {
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) ended_ = true;  // Paho closed
      return false;
    }
  }
  std::size_t written = 0;
  switch (tls_.write(up_ + up_offset_, up_length_ - up_offset_, written)) {
    case TlsClient::Step::done: up_offset_ += written; return true;
    case TlsClient::Step::want_read:
    case TlsClient::Step::want_write: return false;  // the server's socket is full: wait for it
    case TlsClient::Step::closed:
    case TlsClient::Step::failed:
      port::log(port::Level::warning, "tls: %s", tls_.failure_text());
      ended_ = true;
      return false;
  }
  return false;
}

bool TlsTransport::pump_down() {
  if (down_offset_ == down_length_) {
    std::size_t got = 0;
    switch (tls_.read(down_, sizeof down_, got)) {
      case TlsClient::Step::done:
        down_length_ = got;
        down_offset_ = 0;
        break;
      case TlsClient::Step::want_read:
      case TlsClient::Step::want_write: return false;
      case TlsClient::Step::closed: ended_ = true; return false;
      case TlsClient::Step::failed:
        port::log(port::Level::warning, "tls: %s", tls_.failure_text());
        ended_ = true;
        return false;
    }
  }
  const ssize_t n =
      ::send(client_fd_, down_ + down_offset_, down_length_ - down_offset_, MSG_NOSIGNAL);
  if (n > 0) {
    down_offset_ += static_cast<std::size_t>(n);
    return true;
  }
  if (errno != EAGAIN && errno != EINTR) ended_ = true;
  return false;
}

void TlsTransport::close() {
  // What Paho wrote before it closed (its DISCONNECT) still goes to the server.
  if (phase_ == Phase::pumping && !ended_) pump();
  if (phase_ == Phase::pumping && up_offset_ < up_length_) {
    std::size_t written = 0;
    const TlsClient::Step ignored = tls_.write(up_ + up_offset_, up_length_ - up_offset_, written);
    (void)ignored;  // best effort: the connection closes now either way
  }
  loop_.cancel_timer(timeout_timer_);
  if (hop_.fd() >= 0) loop_.remove_fd(hop_.fd(), &listener_handler_);
  hop_.close();
  close_client();
  close_server();
  phase_ = Phase::idle;
  ended_ = false;
  up_length_ = up_offset_ = down_length_ = down_offset_ = 0;
}

void TlsTransport::close_server() {
  if (server_fd_ >= 0) loop_.remove_fd(server_fd_, &server_handler_);
  server_fd_ = -1;
  tls_.close();
}

void TlsTransport::close_client() {
  if (client_fd_ < 0) return;
  loop_.remove_fd(client_fd_, &client_handler_);
  ::close(client_fd_);  // Paho reads the end of its connection: lost, or a failed connect
  client_fd_ = -1;
}

}  // namespace door::agent
