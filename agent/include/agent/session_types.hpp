#pragma once
// What the agent and the MQTT session say to each other, in the agent's own words: the options of
// a session, its subscriptions, the events it reports and why a connection failed. Only the
// session's source file sees the MQTT client library.
#include <cstddef>
#include <cstdint>
#include <string>

namespace door::agent {

struct SessionOptions {
  std::string server_uri;  // ssl://host:port, for the log
  std::string host;        // the server's name: connected to, checked in its certificate, and SNI
  int port = 8883;
  std::string client_id;
  std::string username;
  std::string ca_file;  // empty: the system trust store
  std::string client_cert_file;
  std::string client_key_file;
  bool verify_server = true;
  int keep_alive_seconds = 60;
  std::string will_topic;  // empty: no last will
  std::string will_payload;
};

struct Subscription {
  const char* topic;
  int qos;
};

enum class SessionEventKind : uint8_t {
  connected,
  connect_failed,
  connection_lost,
  subscribed,
  subscribe_failed,
  disconnected,
  delivered,  // a message was acknowledged while the session waits to disconnect
};

// Why a connection attempt failed.
enum class ConnectFailure : uint8_t {
  none,
  // The server answered and refused (MQTT 3.1.1 CONNACK).
  refused_protocol_version,
  refused_client_id,
  refused_server_unavailable,
  refused_bad_credentials,
  refused_not_authorised,
  // The TLS handshake failed (the reasons come from mbedtls' verification flags and alerts).
  tls_untrusted,  // not issued by the configured CA
  tls_expired,
  tls_not_yet_valid,
  tls_wrong_host,
  tls_handshake,     // the server closed the connection during the handshake, or spoke no TLS
  tls_old_protocol,  // no TLS 1.2 with a suite the agent accepts
  tls_refused,       // the server ended the handshake with an alert (its policy, a client cert)
  tls_other,
  // No TCP or TLS connection could be made (unreachable, reset, timed out).
  network,
  other,
};

// Words for a failure, for the log.
const char* describe(ConnectFailure failure);
// The server refused the username, password or authorisation: retrying soon cannot help.
bool credentials_refused(ConnectFailure failure);

}  // namespace door::agent
