#include "agent/session_types.hpp"

namespace door::agent {

const char* describe(ConnectFailure failure) {
  switch (failure) {
    case ConnectFailure::none: return "no failure";
    case ConnectFailure::refused_protocol_version: return "refused: unacceptable protocol version";
    case ConnectFailure::refused_client_id: return "refused: client id rejected";
    case ConnectFailure::refused_server_unavailable: return "refused: server unavailable";
    case ConnectFailure::refused_bad_credentials: return "refused: bad user name or password";
    case ConnectFailure::refused_not_authorised: return "refused: not authorised";
    case ConnectFailure::tls_untrusted:
      return "the server's certificate is not trusted (certificate verify failed: not issued by "
             "the CA in caFile)";
    case ConnectFailure::tls_expired:
      return "the server's certificate is not trusted (certificate verify failed: it has expired)";
    case ConnectFailure::tls_not_yet_valid:
      return "the server's certificate is not trusted (certificate verify failed: it is not valid "
             "yet; check the clock)";
    case ConnectFailure::tls_wrong_host:
      return "the server's certificate is not for this host name";
    case ConnectFailure::tls_handshake:
      return "the server did not answer with TLS: it closed the connection during the TLS "
             "handshake (a plain MQTT port, or a server that refuses this client's TLS settings)";
    case ConnectFailure::tls_old_protocol:
      return "the server does not offer TLS 1.2 or newer with a cipher suite the agent accepts";
    case ConnectFailure::tls_refused:
      return "the server refused the TLS handshake (check the client certificate)";
    case ConnectFailure::tls_other: return "the TLS handshake failed";
    case ConnectFailure::network: return "TCP or TLS connection failed";
    case ConnectFailure::other: return "the connection failed";
  }
  return "the connection failed";
}

bool credentials_refused(ConnectFailure failure) {
  return failure == ConnectFailure::refused_bad_credentials ||
         failure == ConnectFailure::refused_not_authorised;
}

}  // namespace door::agent
