#pragma once
// The agent's own TLS connection and the loopback hop that gives it to Paho's non-TLS client, both
// driven by the loop thread's epoll (no thread of their own). start() connects to the server and
// completes the TLS handshake; only then the hop opens, the observer points Paho at it, and the
// one connection the process itself makes is pumped both ways: MQTT from Paho is encrypted to the
// server, and decrypted to Paho. Either side closing closes the other, so Paho sees a broken TLS
// connection as a lost connection, as it would see its own.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/capacities.hpp"
#include "agent/loopback_hop.hpp"
#include "agent/session_types.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "port/status.hpp"
#include "tls_client.hpp"

namespace door::agent {

class TlsTransport {
 public:
  class Observer {
   public:
    // The TLS session is up and the hop listens on 127.0.0.1:hop_port: connect Paho to it.
    virtual void on_transport_ready(uint16_t hop_port) = 0;
    // The connection failed before Paho was given it; text is one line for the log.
    virtual void on_transport_failed(ConnectFailure failure, const char* text) = 0;

   protected:
    ~Observer() = default;
  };

  TlsTransport(port::EventLoop& loop, Observer& observer);
  ~TlsTransport();
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  [[nodiscard]] port::Status configure(const SessionOptions& options);
  // Starts connecting (a previous connection is closed); the outcome reaches the observer.
  void start();
  // Forwards what Paho has written already, then closes both sides.
  void close();

 private:
  enum class Phase : uint8_t { idle, handshaking, hop_open, pumping };

  void on_server(uint32_t events);
  void on_listener(uint32_t events);
  void on_client(uint32_t events);
  void on_timeout();
  void advance_handshake();
  void fail(ConnectFailure failure, const char* text);
  // Moves bytes both ways until neither side can give or take more; closes both at an end.
  void pump();
  bool pump_up();    // Paho → TLS; true when bytes moved
  bool pump_down();  // TLS → Paho
  void close_server();
  void close_client();

  port::EventLoop& loop_;
  Observer& observer_;
  std::string host_;
  std::string port_;
  TlsClient tls_;
  LoopbackHop hop_;
  Phase phase_ = Phase::idle;
  int server_fd_ = -1;  // registered with the loop
  int client_fd_ = -1;  // Paho's connection through the hop
  bool ended_ = false;  // a side closed: the other closes once the pump returns
  int64_t started_ms_ = 0;
  unsigned char up_[kHopBufferBytes];
  std::size_t up_length_ = 0;
  std::size_t up_offset_ = 0;
  unsigned char down_[kHopBufferBytes];
  std::size_t down_length_ = 0;
  std::size_t down_offset_ = 0;
  port::MemberFd<TlsTransport, &TlsTransport::on_server> server_handler_{*this};
  port::MemberFd<TlsTransport, &TlsTransport::on_listener> listener_handler_{*this};
  port::MemberFd<TlsTransport, &TlsTransport::on_client> client_handler_{*this};
  port::MemberTimer<TlsTransport, &TlsTransport::on_timeout> timeout_handler_{*this};
  port::TimerId timeout_timer_ = port::kNoTimer;
};

}  // namespace door::agent
