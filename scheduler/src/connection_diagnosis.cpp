#include "scheduler/connection_diagnosis.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace door::scheduler {

namespace {

constexpr int kConnectTimeoutMs = 10000;  // as the connection itself (Paho's connectTimeout)

struct AddressesDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};
struct SslContextDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Connects within the timeout; 0, or the errno of the failure.
int connect_within(int fd, const addrinfo& address) {
  if (connect(fd, address.ai_addr, address.ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  pollfd p{fd, POLLOUT, 0};
  const int ready = poll(&p, 1, kConnectTimeoutMs);
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

}  // namespace

std::string unreadable_file(const BrokerSettings& settings) {
  for (const auto& [option, path] :
       {std::pair{"--ca", settings.ca_file}, std::pair{"--cert", settings.client_cert_file},
        std::pair{"--key", settings.client_key_file}}) {
    if (!path.empty() && access(path.c_str(), R_OK) != 0) {
      return std::string("cannot read the ") + option + " file " + path + ": " +
             std::strerror(errno);
    }
  }
  return "";
}

std::string diagnose_connection(const BrokerSettings& settings) {
  const std::string where = settings.host + ":" + std::to_string(settings.port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int resolved =
      getaddrinfo(settings.host.c_str(), std::to_string(settings.port).c_str(), &hints, &found);
  if (resolved != 0) {
    return "cannot resolve the broker's host name " + settings.host + ": " + gai_strerror(resolved);
  }
  const std::unique_ptr<addrinfo, AddressesDeleter> addresses(found);
  int failure = 0;
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    auto socket_fd = std::make_unique<Socket>(
        socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (socket_fd->fd() < 0) continue;
    failure = connect_within(socket_fd->fd(), *a);
    if (failure != 0) continue;
    // TCP works: the TLS handshake, verified as the connection verifies it.
    std::unique_ptr<SSL_CTX, SslContextDeleter> context(SSL_CTX_new(TLS_client_method()));
    if (!context) return "cannot set up TLS to check the broker's certificate";
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    if (settings.ca_file.empty() ? SSL_CTX_set_default_verify_paths(context.get()) != 1
                                 : SSL_CTX_load_verify_locations(
                                       context.get(), settings.ca_file.c_str(), nullptr) != 1) {
      return "the --ca file " + settings.ca_file + " holds no certificate OpenSSL can read";
    }
    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(context.get()));
    if (!ssl || SSL_set1_host(ssl.get(), settings.host.c_str()) != 1 ||
        SSL_set_tlsext_host_name(ssl.get(), settings.host.c_str()) != 1) {
      return "cannot set up TLS to check the broker's certificate";
    }
    // Blocking for the handshake, bounded by the receive and send timeouts.
    const int fd = socket_fd->fd();
    const timeval limit{kConnectTimeoutMs / 1000, 0};
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) != 0) {
      return "cannot set up a connection to check the broker's certificate";
    }
    SSL_set_fd(ssl.get(), fd);
    if (SSL_connect(ssl.get()) == 1) {
      return "cannot connect to the broker at " + where +
             ": TCP and TLS work, the MQTT connection did not (is it an MQTT broker?)";
    }
    const long verified = SSL_get_verify_result(ssl.get());
    if (verified == X509_V_ERR_HOSTNAME_MISMATCH) {
      return "the broker's TLS certificate at " + where + " does not name " + settings.host +
             " (connect by a name the certificate has)";
    }
    if (verified != X509_V_OK) {
      return "the broker's TLS certificate at " + where + " is not trusted" +
             (settings.ca_file.empty() ? " by the system's CA certificates"
                                       : " by the --ca file " + settings.ca_file) +
             ": " + X509_verify_cert_error_string(verified);
    }
    char reason[256] = "";
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    return "the TLS handshake with the broker at " + where + " failed: " + reason +
           " (is it a TLS port?)";
  }
  if (failure == ECONNREFUSED) {
    return "the broker at " + where + " refused the connection (nothing listens on port " +
           std::to_string(settings.port) + ")";
  }
  return "cannot reach the broker at " + where + ": " + std::strerror(failure);
}

}  // namespace door::scheduler
