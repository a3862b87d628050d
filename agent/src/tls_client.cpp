#include "tls_client.hpp"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h>  // the handshake's resume flag
#include <mbedtls/x509_crt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "port/crypto.hpp"
#include "port/log.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

namespace {

// Debian's bundle of the system's trust anchors (ca-certificates), used when no caFile is given.
constexpr const char* kSystemTrustStore = "/etc/ssl/certs/ca-certificates.crt";

// TLS 1.2 AEAD suites with forward secrecy, as IoT Hub and Mosquitto accept. mbedtls 2.28 uses
// AES instructions only on x86 (AES-NI): elsewhere (the Raspberry Pi's cores) ChaCha20-Poly1305 is
// the faster cipher, so it is offered first there.
#if defined(__x86_64__) || defined(__i386__)
#define DOOR_TLS_FAST_AES 1
#else
#define DOOR_TLS_FAST_AES 0
#endif
const int kCipherSuites[] = {
#if DOOR_TLS_FAST_AES
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#endif
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#if !DOOR_TLS_FAST_AES
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#endif
    0};

// TLS alerts (RFC 5246 7.2) that mean the server and the agent share no protocol version or suite.
constexpr unsigned char kAlertHandshakeFailure = 40;
constexpr unsigned char kAlertProtocolVersion = 70;
constexpr unsigned char kAlertInsufficientSecurity = 71;

const char* alert_name(unsigned char alert) {
  switch (alert) {
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 116: return "certificate_required";
    default: return "alert";
  }
}

// A failure in mbedtls' words, logged and returned with that reason.
port::Status mbedtls_failure(port::Status::Code code, const char* what, const char* file,
                             int error) {
  char text[128];
  mbedtls_strerror(error, text, sizeof text);
  const port::Status status = port::Status::failure(code, "tls: %s %s: %s", what, file, text);
  port::log(port::Level::error, "%s", status.reason());
  return status;
}

}  // namespace

struct TlsClient::Context {
  mbedtls_ssl_config config;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt trusted;
  mbedtls_x509_crt certificate;
  mbedtls_pk_context key;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_session saved;  // the last session the server agreed, offered on reconnect
  mbedtls_net_context net;
  bool has_saved = false;
  bool set_up = false;

  Context() {
    mbedtls_ssl_config_init(&config);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&trusted);
    mbedtls_x509_crt_init(&certificate);
    mbedtls_pk_init(&key);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_session_init(&saved);
    mbedtls_net_init(&net);
  }
  ~Context() {
    mbedtls_net_free(&net);
    mbedtls_ssl_session_free(&saved);
    mbedtls_ssl_free(&ssl);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&certificate);
    mbedtls_x509_crt_free(&trusted);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_ssl_config_free(&config);
  }
};

TlsClient::TlsClient() : context_(new Context) {}

TlsClient::~TlsClient() = default;

port::Status TlsClient::configure(const SessionOptions& options) {
  Context& c = *context_;
  static const unsigned char kPersonalisation[] = "door-agent tls";
  int rc = mbedtls_ctr_drbg_seed(&c.drbg, &port::kernel_entropy, nullptr, kPersonalisation,
                                 sizeof kPersonalisation - 1);
  if (rc != 0) {
    return mbedtls_failure(port::Status::Code::unavailable, "cannot seed the random generator",
                           "from getrandom", rc);
  }
  rc = mbedtls_ssl_config_defaults(&c.config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    return mbedtls_failure(port::Status::Code::unavailable, "cannot configure", "TLS", rc);
  }
  mbedtls_ssl_conf_min_version(&c.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&c.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&c.config, kCipherSuites);
  mbedtls_ssl_conf_rng(&c.config, mbedtls_ctr_drbg_random, &c.drbg);
  mbedtls_ssl_conf_session_tickets(&c.config, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  mbedtls_ssl_conf_renegotiation(&c.config, MBEDTLS_SSL_RENEGOTIATION_DISABLED);

  if (options.verify_server) {
    const char* anchors = options.ca_file.empty() ? kSystemTrustStore : options.ca_file.c_str();
    rc = mbedtls_x509_crt_parse_file(&c.trusted, anchors);
    // A bundle may hold a few certificates mbedtls cannot read; the others still count.
    if (rc < 0 || c.trusted.version == 0) {
      return mbedtls_failure(port::Status::Code::invalid, "cannot read the trusted certificates in",
                             anchors, rc);
    }
    mbedtls_ssl_conf_ca_chain(&c.config, &c.trusted, nullptr);
    mbedtls_ssl_conf_authmode(&c.config, MBEDTLS_SSL_VERIFY_REQUIRED);
  } else {
    mbedtls_ssl_conf_authmode(&c.config, MBEDTLS_SSL_VERIFY_NONE);
  }

  if (!options.client_cert_file.empty()) {
    rc = mbedtls_x509_crt_parse_file(&c.certificate, options.client_cert_file.c_str());
    if (rc != 0) {
      return mbedtls_failure(port::Status::Code::invalid, "cannot read the client certificate",
                             options.client_cert_file.c_str(), rc);
    }
    rc = mbedtls_pk_parse_keyfile(&c.key, options.client_key_file.c_str(), nullptr);
    if (rc != 0) {
      return mbedtls_failure(port::Status::Code::invalid, "cannot read the client key",
                             options.client_key_file.c_str(), rc);
    }
    rc = mbedtls_ssl_conf_own_cert(&c.config, &c.certificate, &c.key);
    if (rc != 0) {
      return mbedtls_failure(port::Status::Code::invalid, "cannot use the client certificate",
                             options.client_cert_file.c_str(), rc);
    }
  }
  rc = mbedtls_ssl_setup(&c.ssl, &c.config);
  if (rc != 0) {
    return mbedtls_failure(port::Status::Code::unavailable, "cannot set up", "TLS", rc);
  }
  c.set_up = true;
  return port::Status::ok();
}

port::Status TlsClient::open(const char* host, const char* port) {
  Context& c = *context_;
  mbedtls_net_free(&c.net);
  failure_ = ConnectFailure::none;
  failure_text_[0] = '\0';
  handshaken_ = false;
  resumed_ = false;
  if (!c.set_up || mbedtls_ssl_session_reset(&c.ssl) != 0 ||
      mbedtls_ssl_set_hostname(&c.ssl, host) != 0) {
    return port::Status::unavailable();
  }
  if (c.has_saved && mbedtls_ssl_set_session(&c.ssl, &c.saved) != 0) c.has_saved = false;

  // IPv4 first, as Paho chose before: a name such as localhost may resolve to ::1 first while the
  // server listens on 127.0.0.1 only.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int gai = getaddrinfo(host, port, &hints, &found);
  if (gai != 0) {
    failure_ = ConnectFailure::network;
    std::snprintf(failure_text_, sizeof failure_text_, "cannot resolve %s: %s", host,
                  gai_strerror(gai));
    return port::Status::unavailable();
  }
  const addrinfo* chosen = found;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      chosen = a;
      break;
    }
  }
  const int fd = socket(chosen->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  // Each TLS record goes out at once: MQTT packets are small, and Nagle's algorithm would hold one
  // until the server's delayed acknowledgement of the previous one (about 40 ms).
  const int on = 1;
  int rc = fd < 0 ? -1 : setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  rc = rc != 0 ? -1 : ::connect(fd, chosen->ai_addr, chosen->ai_addrlen);
  const int error = errno;
  freeaddrinfo(found);
  if (fd < 0 || (rc != 0 && error != EINPROGRESS)) {
    if (fd >= 0) ::close(fd);
    failure_ = ConnectFailure::network;
    std::snprintf(failure_text_, sizeof failure_text_, "TCP connection failed: %s",
                  std::strerror(error));
    return port::Status::unavailable();
  }
  c.net.fd = fd;
  mbedtls_ssl_set_bio(&c.ssl, &c.net, mbedtls_net_send, mbedtls_net_recv, nullptr);
  connecting_ = true;
  return port::Status::ok();
}

int TlsClient::fd() const {
  return context_->net.fd;
}

TlsClient::Step TlsClient::handshake() {
  Context& c = *context_;
  if (connecting_) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(c.net.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error == EINPROGRESS) return Step::want_write;
    if (error != 0) {
      failure_ = ConnectFailure::network;
      std::snprintf(failure_text_, sizeof failure_text_, "TCP connection failed: %s",
                    std::strerror(error));
      return Step::failed;
    }
    connecting_ = false;
  }
  // Step by step, to see whether the server resumed the offered session.
  while (c.ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    const int rc = mbedtls_ssl_handshake_step(&c.ssl);
    if (c.ssl.handshake != nullptr && c.ssl.handshake->resume != 0) resumed_ = true;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Step::want_read;
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Step::want_write;
    if (rc != 0) return fail(rc);
  }
  handshaken_ = true;
  mbedtls_ssl_session_free(&c.saved);
  mbedtls_ssl_session_init(&c.saved);
  c.has_saved = mbedtls_ssl_get_session(&c.ssl, &c.saved) == 0;
  return Step::done;
}

TlsClient::Step TlsClient::write(const unsigned char* data, std::size_t length,
                                 std::size_t& transferred) {
  transferred = 0;
  const int rc = mbedtls_ssl_write(&context_->ssl, data, length);
  if (rc >= 0) {
    transferred = static_cast<std::size_t>(rc);
    return Step::done;
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Step::want_write;
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Step::want_read;
  return fail(rc);
}

TlsClient::Step TlsClient::read(unsigned char* data, std::size_t capacity,
                                std::size_t& transferred) {
  transferred = 0;
  const int rc = mbedtls_ssl_read(&context_->ssl, data, capacity);
  if (rc > 0) {
    transferred = static_cast<std::size_t>(rc);
    return Step::done;
  }
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return Step::closed;
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Step::want_read;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Step::want_write;
  return fail(rc);
}

void TlsClient::close() {
  Context& c = *context_;
  if (c.net.fd >= 0 && handshaken_) {
    const int ignored = mbedtls_ssl_close_notify(&c.ssl);  // best effort: the socket closes next
    (void)ignored;
  }
  handshaken_ = false;
  connecting_ = false;
  mbedtls_net_free(&c.net);
}

TlsClient::Step TlsClient::fail(int error) {
  Context& c = *context_;
  port::TextWriter text(failure_text_, sizeof failure_text_);
  if (error == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    const uint32_t flags = mbedtls_ssl_get_verify_result(&c.ssl);
    if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) {
      failure_ = ConnectFailure::tls_untrusted;
    } else if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
      failure_ = ConnectFailure::tls_wrong_host;
    } else if ((flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0) {
      failure_ = ConnectFailure::tls_expired;
    } else if ((flags & MBEDTLS_X509_BADCERT_FUTURE) != 0) {
      failure_ = ConnectFailure::tls_not_yet_valid;
    } else {
      // Any other flag (key usage, a weak signature, ...): mbedtls' first line says which.
      char info[kEventDetailLength];
      mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
      info[std::strcspn(info, "\n")] = '\0';
      failure_ = ConnectFailure::tls_untrusted;
      text.add("the server's certificate is not trusted (certificate verify failed: ")
          .add(info)
          .add(")");
      return Step::failed;
    }
  } else if (error == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    const unsigned char alert = c.ssl.in_msg != nullptr ? c.ssl.in_msg[1] : 0;
    if (alert == kAlertProtocolVersion || alert == kAlertHandshakeFailure ||
        alert == kAlertInsufficientSecurity) {
      failure_ = ConnectFailure::tls_old_protocol;
    } else {
      failure_ = ConnectFailure::tls_refused;
      char detail[96];
      std::snprintf(detail, sizeof detail, " (TLS alert %u, %s)", alert, alert_name(alert));
      text.add(describe(failure_)).add(detail);
      return Step::failed;
    }
  } else if (error == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION ||
             error == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE) {
    failure_ = ConnectFailure::tls_old_protocol;
  } else if (!handshaken_ &&
             (error == MBEDTLS_ERR_SSL_CONN_EOF || error == MBEDTLS_ERR_NET_CONN_RESET) &&
             c.certificate.version != 0 && c.ssl.state > MBEDTLS_SSL_CLIENT_CERTIFICATE) {
    // The server hung up once it had the client certificate (OpenSSL servers often send no alert).
    failure_ = ConnectFailure::tls_refused;
    text.add(describe(failure_)).add(" (it closed the connection after the certificate was sent)");
    return Step::failed;
  } else if (!handshaken_ &&
             (error == MBEDTLS_ERR_SSL_CONN_EOF || error == MBEDTLS_ERR_NET_CONN_RESET ||
              error == MBEDTLS_ERR_SSL_INVALID_RECORD || error == MBEDTLS_ERR_SSL_BAD_INPUT_DATA ||
              error == MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE ||
              error == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO)) {
    failure_ = ConnectFailure::tls_handshake;
  } else {
    failure_ = handshaken_ ? ConnectFailure::network : ConnectFailure::tls_other;
    char detail[128];
    mbedtls_strerror(error, detail, sizeof detail);
    text.add(describe(failure_)).add(" (").add(detail).add(")");
    return Step::failed;
  }
  text.add(describe(failure_));
  return Step::failed;
}

}  // namespace door::agent
