#pragma once
// A TLS echo server on 127.0.0.1 with mbedtls' test certificate, driven by the same loop as the
// agent's transport, so one thread runs both ends; and an observer of the transport's outcome.
#include <arpa/inet.h>
#include <mbedtls/certs.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <string>

#include "port/crypto.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "tls_transport.hpp"

namespace door::agent {

class EchoServer {
 public:
  explicit EchoServer(port::EventLoop& loop) : loop_(loop) {
    mbedtls_ssl_config_init(&config_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&certificate_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_init(&ssl_);
    mbedtls_net_init(&client_);
    const auto* crt = reinterpret_cast<const unsigned char*>(mbedtls_test_srv_crt_ec);
    const auto* key = reinterpret_cast<const unsigned char*>(mbedtls_test_srv_key_ec);
    ok_ = mbedtls_ctr_drbg_seed(&drbg_, &port::kernel_entropy, nullptr, nullptr, 0) == 0 &&
          mbedtls_x509_crt_parse(&certificate_, crt, mbedtls_test_srv_crt_ec_len) == 0 &&
          mbedtls_pk_parse_key(&key_, key, mbedtls_test_srv_key_ec_len, nullptr, 0) == 0 &&
          mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT) == 0 &&
          mbedtls_ssl_conf_own_cert(&config_, &certificate_, &key_) == 0;
    mbedtls_ssl_conf_rng(&config_, mbedtls_ctr_drbg_random, &drbg_);
    ok_ = ok_ && mbedtls_ssl_setup(&ssl_, &config_) == 0;
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ok_ = ok_ && bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
          listen(listener_, 1) == 0 &&
          getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0 &&
          loop_.add_fd(listener_, EPOLLIN, &listener_handler_).is_ok();
    port_ = ntohs(address.sin_port);
  }
  ~EchoServer() {
    if (client_.fd >= 0) loop_.remove_fd(client_.fd, &client_handler_);
    loop_.remove_fd(listener_, &listener_handler_);
    close(listener_);
    mbedtls_net_free(&client_);
    mbedtls_ssl_free(&ssl_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&certificate_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_ssl_config_free(&config_);
  }
  bool ok() const { return ok_; }
  int port() const { return port_; }

 private:
  void on_listener(uint32_t) {
    client_.fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client_.fd < 0) return;
    mbedtls_ssl_set_bio(&ssl_, &client_, mbedtls_net_send, mbedtls_net_recv, nullptr);
    ok_ = ok_ && loop_.add_fd(client_.fd, EPOLLIN | EPOLLOUT | EPOLLET, &client_handler_).is_ok();
    on_client(0);
  }
  void on_client(uint32_t) {
    if (!handshaken_) {
      const int rc = mbedtls_ssl_handshake(&ssl_);
      if (rc != 0) {
        ok_ = ok_ && (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
        return;
      }
      handshaken_ = true;
    }
    while (true) {  // echo all there is
      if (pending_ == 0) {
        const int n = mbedtls_ssl_read(&ssl_, echo_, sizeof echo_);
        if (n <= 0) return;
        pending_ = static_cast<std::size_t>(n);
      }
      const int n = mbedtls_ssl_write(&ssl_, echo_, pending_);
      if (n <= 0) return;
      pending_ = 0;
    }
  }

  port::EventLoop& loop_;
  mbedtls_ssl_config config_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt certificate_;
  mbedtls_pk_context key_;
  mbedtls_ssl_context ssl_;
  mbedtls_net_context client_;
  int listener_ = -1;
  int port_ = 0;
  bool ok_ = false;
  bool handshaken_ = false;
  unsigned char echo_[1024];
  std::size_t pending_ = 0;
  port::MemberFd<EchoServer, &EchoServer::on_listener> listener_handler_{*this};
  port::MemberFd<EchoServer, &EchoServer::on_client> client_handler_{*this};
};

struct TransportOutcome final : TlsTransport::Observer {
  void on_transport_ready(uint16_t port) override { hop_port = port; }
  void on_transport_failed(ConnectFailure, const char* text) override { failure = text; }
  uint16_t hop_port = 0;
  std::string failure;
};

// Connects transport to server (whose test certificate has expired, so it is not verified) and
// runs the loop until the hop is open; false with outcome.failure when it is not.
inline bool open_hop(port::EventLoop& loop, const EchoServer& server, TlsTransport& transport,
                     const TransportOutcome& outcome) {
  SessionOptions options;
  options.host = "localhost";
  options.port = server.port();
  options.verify_server = false;
  if (!transport.configure(options).is_ok()) return false;
  transport.start();
  while (outcome.hop_port == 0 && outcome.failure.empty() && server.ok()) loop.run_once(-1);
  return outcome.hop_port != 0;
}

}  // namespace door::agent
