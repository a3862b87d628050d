#include "agent/mqtt_session.hpp"

#include <MQTTAsync.h>

#include <cstring>
#include <mutex>

#include "port/log.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

namespace {

constexpr int kConnectTimeoutSeconds = 10;
// SUBACK return code for a refused subscription.
constexpr int kSubscriptionRefused = 0x80;

const char* or_null(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

std::string_view failure_text(const MQTTAsync_failureData* data) {
  return data != nullptr && data->message != nullptr ? std::string_view(data->message)
                                                     : std::string_view{};
}

MQTTAsync handle(void* client) {
  return static_cast<MQTTAsync>(client);
}

// A connect failure in the agent's words: the server's CONNACK refusal (codes 1-5), or Paho's own.
ConnectFailure connect_failure(int code) {
  switch (code) {
    case 1: return ConnectFailure::refused_protocol_version;
    case 2: return ConnectFailure::refused_client_id;
    case 3: return ConnectFailure::refused_server_unavailable;
    case 4: return ConnectFailure::refused_bad_credentials;
    case 5: return ConnectFailure::refused_not_authorised;
    case MQTTASYNC_FAILURE: return ConnectFailure::network;
    default: return ConnectFailure::other;
  }
}

// Paho checks the server's host name after the TLS handshake and reports a mismatch only in its
// trace. The trace is process-wide and its lines do not say whose connection they are about, so it
// is switched on (at the level that carries those lines) while sessions connect, and its lines go
// to a session only while it connects alone: with several sessions in one process (a simulated
// fleet), none is told a reason that may belong to another.
std::mutex g_trace_mutex;
int g_connecting = 0;                      // sessions between connect and its outcome
MqttSession* g_sole_connecting = nullptr;  // the session whose trace lines these are, if known

// TLS 1.2 and newer only, whatever the system's OpenSSL policy allows: every suite here is an
// AEAD suite with forward secrecy, which TLS 1.1 and older cannot negotiate. (Paho ignores
// sslVersion with OpenSSL 1.1 and newer.) TLS 1.3 suites are configured apart and stay on.
constexpr const char* kTls12CipherSuites = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20";

// OpenSSL reasons that mean the server offers only an old protocol or weak cipher suites.
bool old_tls_reason(std::string_view reason) {
  for (const char* old :
       {"unsupported protocol", "alert protocol version", "alert handshake failure",
        "no protocols available", "legacy sigalg", "wrong version number"}) {
    if (reason.find(old) != std::string_view::npos) return true;
  }
  return false;
}

// OpenSSL 3 error lines read "<thread>:error:<code>:<library>:<function>:<reason>:<file>:<line>:";
// the reason is what a person needs.
std::string_view openssl_reason(std::string_view line) {
  std::string_view rest = line;
  for (int field = 0; field < 5; ++field) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return line;
    rest.remove_prefix(colon + 1);
  }
  return rest.substr(0, rest.find(':'));
}

}  // namespace

struct MqttSession::Callbacks {
  static MqttSession& self(void* context) { return *static_cast<MqttSession*>(context); }
  static int on_message(void* context, char* topic, int topic_length, MQTTAsync_message* message);
  // Frees a message Paho handed over (any thread; the inbox calls it for a message it kept).
  static void free_message(void* message, void* topic);
  static void on_connection_lost(void* context, char* cause);
  static void on_delivered(void* context, MQTTAsync_token token);
  static void on_connect_success(void* context, MQTTAsync_successData* data);
  static void on_connect_failure(void* context, MQTTAsync_failureData* data);
  static void on_subscribe_success(void* context, MQTTAsync_successData* data);
  static void on_subscribe_failure(void* context, MQTTAsync_failureData* data);
  static void on_disconnect_success(void* context, MQTTAsync_successData* data);
  static void on_disconnect_failure(void* context, MQTTAsync_failureData* data);
  static int on_tls_error(const char* text, std::size_t length, void* context);
  static void on_trace(enum MQTTASYNC_TRACE_LEVELS level, char* message);
};

MqttSession::~MqttSession() {
  watch_trace(false);
  if (client_ != nullptr) {
    MQTTAsync client = handle(client_);
    MQTTAsync_destroy(&client);
  }
}

void MqttSession::watch_trace(bool on) {
  std::lock_guard<std::mutex> lock(g_trace_mutex);
  if (on == watching_trace_) return;
  watching_trace_ = on;
  g_connecting += on ? 1 : -1;
  if (on) {
    g_sole_connecting = g_connecting == 1 ? this : nullptr;
  } else if (g_sole_connecting == this) {
    g_sole_connecting = nullptr;
  }
  if (g_connecting == (on ? 1 : 0)) {
    MQTTAsync_setTraceLevel(on ? MQTTASYNC_TRACE_MINIMUM : MQTTASYNC_TRACE_ERROR);
  }
}

bool MqttSession::create(const SessionOptions& options) {
  options_ = options;
  MQTTAsync_createOptions create_opts = MQTTAsync_createOptions_initializer;
  create_opts.MQTTVersion = MQTTVERSION_3_1_1;
  create_opts.sendWhileDisconnected = 0;
  create_opts.maxBufferedMessages = static_cast<int>(kMaxQueuedPublishes);
  MQTTAsync client = nullptr;
  int rc =
      MQTTAsync_createWithOptions(&client, options_.server_uri.c_str(), options_.client_id.c_str(),
                                  MQTTCLIENT_PERSISTENCE_NONE, nullptr, &create_opts);
  client_ = client;
  if (rc != MQTTASYNC_SUCCESS) {
    port::log(port::Level::error, "mqtt: cannot create a client for %s: %s",
              options_.server_uri.c_str(), MQTTAsync_strerror(rc));
    return false;
  }
  rc = MQTTAsync_setCallbacks(client, this, &Callbacks::on_connection_lost, &Callbacks::on_message,
                              &Callbacks::on_delivered);
  if (rc != MQTTASYNC_SUCCESS) {
    port::log(port::Level::error, "mqtt: cannot set callbacks: %s", MQTTAsync_strerror(rc));
    return false;
  }
  return true;
}

bool MqttSession::connect(const char* password) {
  disconnecting_ = false;
  draining_ = false;
  MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
  ssl.trustStore = or_null(options_.ca_file);
  ssl.keyStore = or_null(options_.client_cert_file);
  ssl.privateKey = or_null(options_.client_key_file);
  ssl.enableServerCertAuth = options_.verify_server ? 1 : 0;
  ssl.verify = options_.verify_server ? 1 : 0;  // host name check against the certificate
  ssl.enabledCipherSuites = kTls12CipherSuites;
  ssl.ssl_error_cb = &Callbacks::on_tls_error;
  ssl.ssl_error_context = this;

  MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
  MQTTAsync_connectOptions opts = MQTTAsync_connectOptions_initializer;
  opts.keepAliveInterval = options_.keep_alive_seconds;
  opts.cleansession = 1;
  opts.connectTimeout = kConnectTimeoutSeconds;
  opts.automaticReconnect = 0;  // the agent reconnects itself, with jittered backoff
  opts.MQTTVersion = MQTTVERSION_3_1_1;
  opts.username = or_null(options_.username);
  opts.password = password;
  opts.ssl = &ssl;
  opts.onSuccess = &Callbacks::on_connect_success;
  opts.onFailure = &Callbacks::on_connect_failure;
  opts.context = this;
  if (!options_.will_topic.empty()) {
    will.topicName = options_.will_topic.c_str();
    will.message = options_.will_payload.c_str();
    will.qos = 1;
    will.retained = 1;
    opts.will = &will;
  }
  pending_subscriptions_ = 0;
  trace_reason_ = ConnectFailure::none;
  MQTTAsync_setTraceCallback(&Callbacks::on_trace);
  watch_trace(true);
  const int rc = MQTTAsync_connect(handle(client_), &opts);
  if (rc != MQTTASYNC_SUCCESS) {
    watch_trace(false);
    port::log(port::Level::error, "mqtt: cannot start connecting: %s", MQTTAsync_strerror(rc));
    return false;
  }
  return true;
}

bool MqttSession::subscribe(const Subscription* subscriptions, std::size_t count) {
  if (count == 0 || count > kMaxSubscriptions) return false;
  char* topics[kMaxSubscriptions];
  int qos[kMaxSubscriptions];
  for (std::size_t i = 0; i < count; ++i) {
    topics[i] = const_cast<char*>(subscriptions[i].topic);  // Paho's signature is not const
    qos[i] = subscriptions[i].qos;
  }
  MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
  response.onSuccess = &Callbacks::on_subscribe_success;
  response.onFailure = &Callbacks::on_subscribe_failure;
  response.context = this;
  pending_subscriptions_ = count;
  const int rc =
      MQTTAsync_subscribeMany(handle(client_), static_cast<int>(count), topics, qos, &response);
  if (rc != MQTTASYNC_SUCCESS) {
    port::log(port::Level::error, "mqtt: cannot subscribe: %s", MQTTAsync_strerror(rc));
    return false;
  }
  return true;
}

bool MqttSession::publish(const char* topic, std::string_view payload, int qos, bool retained) {
  // Paho takes a message published after the disconnect was asked for, but never sends it.
  if (disconnecting_) {
    port::log(port::Level::debug, "mqtt: not publishing to %s: disconnecting", topic);
    return false;
  }
  const int rc = MQTTAsync_send(handle(client_), topic, static_cast<int>(payload.size()),
                                payload.data(), qos, retained ? 1 : 0, nullptr);
  if (rc != MQTTASYNC_SUCCESS) {
    port::log(port::Level::warning, "mqtt: cannot publish to %s: %s", topic,
              MQTTAsync_strerror(rc));
    return false;
  }
  return true;
}

bool MqttSession::disconnect(int timeout_ms) {
  disconnecting_ = true;
  MQTTAsync_disconnectOptions opts = MQTTAsync_disconnectOptions_initializer;
  opts.timeout = timeout_ms;
  opts.onSuccess = &Callbacks::on_disconnect_success;
  opts.onFailure = &Callbacks::on_disconnect_failure;
  opts.context = this;
  return MQTTAsync_disconnect(handle(client_), &opts) == MQTTASYNC_SUCCESS;
}

bool MqttSession::disconnect_when_delivered() {
  disconnecting_ = true;
  draining_ = true;  // before looking, so an acknowledgement arriving meanwhile is not missed
  return disconnect_if_delivered();
}

bool MqttSession::disconnect_if_delivered() {
  if (!draining_) return true;  // the disconnect is already on its way
  MQTTAsync_token* pending = nullptr;
  if (MQTTAsync_getPendingTokens(handle(client_), &pending) != MQTTASYNC_SUCCESS) return false;
  const bool delivered = pending == nullptr || pending[0] == -1;
  MQTTAsync_free(pending);
  if (!delivered) return true;
  draining_ = false;
  return disconnect(0);
}

bool MqttSession::connected() const {
  return client_ != nullptr && MQTTAsync_isConnected(handle(client_)) != 0;
}

// --- Paho's threads: copy and wake, nothing else ---

int MqttSession::Callbacks::on_message(void* context, char* topic, int topic_length,
                                       MQTTAsync_message* message) {
  const std::size_t length =
      topic_length > 0 ? static_cast<std::size_t>(topic_length) : std::strlen(topic);
  switch (self(context).inbox_.push_message(std::string_view(topic, length), message->payload,
                                            static_cast<std::size_t>(message->payloadlen),
                                            Loan{message, topic, &Callbacks::free_message})) {
    case Inbox::Taken::copied: free_message(message, topic); return 1;
    case Inbox::Taken::kept: return 1;  // the inbox frees it once copied or handled
    case Inbox::Taken::refused: break;
  }
  return 0;  // Paho keeps the message and offers it again when its next packet arrives
}

void MqttSession::Callbacks::free_message(void* message, void* topic) {
  MQTTAsync_message* m = static_cast<MQTTAsync_message*>(message);
  MQTTAsync_freeMessage(&m);
  MQTTAsync_free(topic);
}

void MqttSession::Callbacks::on_delivered(void* context, MQTTAsync_token) {
  MqttSession& s = self(context);
  if (s.draining_) s.inbox_.push_event(SessionEventKind::delivered, 0, "");
}

void MqttSession::Callbacks::on_connection_lost(void* context, char* cause) {
  self(context).inbox_.push_event(SessionEventKind::connection_lost, 0,
                                  cause != nullptr ? cause : "");
}

void MqttSession::Callbacks::on_connect_success(void* context, MQTTAsync_successData*) {
  self(context).watch_trace(false);
  self(context).inbox_.push_event(SessionEventKind::connected, 0, "");
}

void MqttSession::Callbacks::on_connect_failure(void* context, MQTTAsync_failureData* data) {
  MqttSession& s = self(context);
  s.watch_trace(false);
  const ConnectFailure traced = s.trace_reason_.load();
  if (traced != ConnectFailure::none) {
    s.inbox_.push_event(SessionEventKind::tls_error, 0, describe(traced), traced);
  }
  const int code = data != nullptr ? data->code : 0;
  const ConnectFailure failure = connect_failure(code);
  std::string_view detail = failure_text(data);
  if (detail.empty() && failure == ConnectFailure::other) detail = MQTTAsync_strerror(code);
  s.inbox_.push_event(SessionEventKind::connect_failed, code, detail, failure);
}

void MqttSession::Callbacks::on_subscribe_success(void* context, MQTTAsync_successData* data) {
  MqttSession& s = self(context);
  // For several topics Paho reports each granted QoS; 0x80 means the broker refused that topic.
  if (data != nullptr) {
    const bool many = s.pending_subscriptions_ > 1 && data->alt.qosList != nullptr;
    for (std::size_t i = 0; i < s.pending_subscriptions_; ++i) {
      const int granted = many ? data->alt.qosList[i] : data->alt.qos;
      if (granted == kSubscriptionRefused) {
        s.inbox_.push_event(SessionEventKind::subscribe_failed, granted,
                            "the broker refused a subscription (check its ACL)");
        return;
      }
      if (!many) break;
    }
  }
  s.inbox_.push_event(SessionEventKind::subscribed, 0, "");
}

void MqttSession::Callbacks::on_subscribe_failure(void* context, MQTTAsync_failureData* data) {
  self(context).inbox_.push_event(SessionEventKind::subscribe_failed,
                                  data != nullptr ? data->code : 0, failure_text(data));
}

void MqttSession::Callbacks::on_disconnect_success(void* context, MQTTAsync_successData*) {
  self(context).inbox_.push_event(SessionEventKind::disconnected, 0, "");
}

void MqttSession::Callbacks::on_disconnect_failure(void* context, MQTTAsync_failureData* data) {
  self(context).inbox_.push_event(SessionEventKind::disconnected, data != nullptr ? data->code : 0,
                                  failure_text(data));
}

int MqttSession::Callbacks::on_tls_error(const char* text, std::size_t length, void* context) {
  const std::string_view reason = openssl_reason(std::string_view(text, length));
  MqttSession& s = self(context);
  if (reason == "certificate verify failed") {
    s.inbox_.push_event(SessionEventKind::tls_error, 0, describe(ConnectFailure::tls_untrusted),
                        ConnectFailure::tls_untrusted);
  } else if (old_tls_reason(reason)) {
    char detail[kEventDetailLength];
    port::TextWriter explained(detail, sizeof detail);
    explained
        .add("the server does not offer TLS 1.2 or newer with a cipher suite the agent accepts (")
        .add(reason)
        .add(")");
    s.inbox_.push_event(SessionEventKind::tls_error, 0, explained.ok() ? explained.view() : reason,
                        ConnectFailure::tls_old_protocol);
  } else {
    s.inbox_.push_event(SessionEventKind::tls_error, 0, reason, ConnectFailure::tls_other);
  }
  return 0;
}

void MqttSession::Callbacks::on_trace(enum MQTTASYNC_TRACE_LEVELS, char* message) {
  std::lock_guard<std::mutex> lock(g_trace_mutex);
  MqttSession* s = g_sole_connecting;
  if (s == nullptr || message == nullptr) return;
  if (std::strstr(message, "X509_check_host for hostname") != nullptr) {
    s->trace_reason_ = ConnectFailure::tls_wrong_host;  // may still match as an IP, checked next
  } else if (std::strstr(message, "X509_check_ip_asc is 1") != nullptr) {
    s->trace_reason_ = ConnectFailure::none;
  } else if (std::strstr(message, "SSLSocket error") != nullptr &&
             std::strstr(message, "in SSL_connect") != nullptr &&
             s->trace_reason_ == ConnectFailure::none) {
    // The server reset or closed; OpenSSL reports no reason.
    s->trace_reason_ = ConnectFailure::tls_handshake;
  }
}

}  // namespace door::agent
