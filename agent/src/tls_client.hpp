#pragma once
// The agent's TLS client on mbedtls: TLS 1.2 with ECDHE AES-GCM and ChaCha20-Poly1305 suites,
// server verification against the configured CA (or the system's trust store), host name check
// and SNI, an optional X.509 client certificate, entropy from getrandom. Non-blocking: every call
// returns at once and says what it waits for, so the loop thread drives it from epoll. A session
// the server issued is kept and offered on the next connection (resumption).
#include <cstddef>
#include <memory>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/session_types.hpp"
#include "port/status.hpp"

namespace door::agent {

class TlsClient {
 public:
  // What a call needs before it can go on, or its outcome.
  enum class Step : uint8_t { done, want_read, want_write, closed, failed };

  TlsClient();
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Loads the trust anchors and the client certificate; the reason is logged when it fails.
  [[nodiscard]] port::Status configure(const SessionOptions& options);
  // Starts a TCP connection to host:port (non-blocking); the handshake follows once the socket is
  // writable. The previous connection, if any, is closed.
  [[nodiscard]] port::Status open(const char* host, const char* port);
  int fd() const;
  // Finishes the TCP connection and advances the handshake as far as the socket allows.
  Step handshake();
  // Plain bytes in and out; `transferred` counts what was taken or given.
  Step write(const unsigned char* data, std::size_t length, std::size_t& transferred);
  Step read(unsigned char* data, std::size_t capacity, std::size_t& transferred);
  // Sends close_notify when connected, then closes the socket.
  void close();

  // After a failed step: why, and a one-line explanation.
  ConnectFailure failure() const { return failure_; }
  const char* failure_text() const { return failure_text_; }
  // The last handshake resumed the previous session.
  bool resumed() const { return resumed_; }

 private:
  struct Context;  // the mbedtls state, kept out of this header
  Step fail(int mbedtls_error);

  std::unique_ptr<Context> context_;
  bool connecting_ = false;  // the TCP connection is not established yet
  bool handshaken_ = false;
  bool resumed_ = false;
  ConnectFailure failure_ = ConnectFailure::none;
  char failure_text_[kEventDetailLength] = {};
};

}  // namespace door::agent
