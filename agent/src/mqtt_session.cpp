#include "agent/mqtt_session.hpp"

#include <MQTTAsync.h>

#include <cstdio>
#include <cstring>

#include "agent/paho_sleep.hpp"
#include "port/log.hpp"
#include "port/secret.hpp"
#include "tls_transport.hpp"

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

// What a Paho return code means for the caller: the code alone, so a refused publish writes no
// text.
port::Status refusal(int rc) {
  switch (rc) {
    case MQTTASYNC_DISCONNECTED: return port::Status::unavailable();
    case MQTTASYNC_MAX_MESSAGES_INFLIGHT:
    case MQTTASYNC_NO_MORE_MSGIDS:
    case MQTTASYNC_MAX_BUFFERED_MESSAGES:
    case MQTTASYNC_MAX_BUFFERED: return port::Status::full();
    case MQTTASYNC_NULL_PARAMETER:
    case MQTTASYNC_TOPICNAME_TRUNCATED:
    case MQTTASYNC_BAD_STRUCTURE:
    case MQTTASYNC_BAD_QOS:
    case MQTTASYNC_BAD_UTF8_STRING: return port::Status::invalid();
    default: return port::Status::io_error();
  }
}

// A failure of Paho's, with its text after what was being done.
port::Status paho_failure(int rc, const char* what) {
  return port::Status::failure(refusal(rc).code(), "mqtt: %s: %s", what, MQTTAsync_strerror(rc));
}

// Logs a failure the caller has no better words for, and returns it.
port::Status logged(port::Status status) {
  port::log(port::Level::error, "%s", status.reason());
  return status;
}

}  // namespace

struct MqttSession::Callbacks {
  static MqttSession& self(void* context) { return *static_cast<MqttSession*>(context); }
  static int on_message(void* context, char* topic, int topic_length, MQTTAsync_message* message);
  // Frees a message Paho handed over (any thread; the inbox calls it for a message it kept).
  static void free_message(void* message, void* topic);
  static void on_connection_lost(void* context, char* cause);
  static void on_delivered(void* context, MQTTAsync_token token);
  static void on_tracked_success(void* context, MQTTAsync_successData* data);
  static void on_tracked_failure(void* context, MQTTAsync_failureData* data);
  static void on_connect_success(void* context, MQTTAsync_successData* data);
  static void on_connect_failure(void* context, MQTTAsync_failureData* data);
  static void on_subscribe_success(void* context, MQTTAsync_successData* data);
  static void on_subscribe_failure(void* context, MQTTAsync_failureData* data);
  static void on_disconnect_success(void* context, MQTTAsync_successData* data);
  static void on_disconnect_failure(void* context, MQTTAsync_failureData* data);
};

// The transport's outcome, on the loop thread: Paho connects through the hop, or the failure
// arrives as Paho's would.
struct MqttSession::TransportOutcome final : TlsTransport::Observer {
  explicit TransportOutcome(MqttSession& session) : session_(session) {}
  void on_transport_ready(uint16_t hop_port) override { session_.connect_paho(hop_port); }
  void on_transport_failed(ConnectFailure failure, const char* text) override {
    session_.forget_password();
    session_.inbox_.push_event(SessionEventKind::connect_failed, 0, text, failure);
  }
  MqttSession& session_;
};

MqttSession::MqttSession(Inbox& inbox, port::EventLoop& loop)
    : inbox_(inbox),
      outcome_(new TransportOutcome(*this)),
      transport_(new TlsTransport(loop, *outcome_)) {}

MqttSession::~MqttSession() {
  paho_connected();
  if (client_ != nullptr) {
    MQTTAsync client = handle(client_);
    MQTTAsync_destroy(&client);
  }
  transport_->close();  // after Paho: what it wrote last (its DISCONNECT) still reaches the server
  forget_password();
}

void MqttSession::paho_connected() {
  if (paho_connecting_.exchange(false)) paho_connecting(false);
}

void MqttSession::forget_password() {
  port::wipe(password_, sizeof password_);
  has_password_ = false;
}

port::Status MqttSession::create(const SessionOptions& options) {
  options_ = options;
  MQTTAsync_createOptions create_opts = MQTTAsync_createOptions_initializer;
  create_opts.MQTTVersion = MQTTVERSION_3_1_1;
  create_opts.sendWhileDisconnected = 0;
  create_opts.maxBufferedMessages = static_cast<int>(kMaxQueuedPublishes);
  MQTTAsync client = nullptr;
  // Paho reaches the server only through the hop, whose port each connect() names.
  int rc = MQTTAsync_createWithOptions(&client, "tcp://127.0.0.1", options_.client_id.c_str(),
                                       MQTTCLIENT_PERSISTENCE_NONE, nullptr, &create_opts);
  client_ = client;
  if (rc != MQTTASYNC_SUCCESS) {
    return logged(port::Status::failure(refusal(rc).code(),
                                        "mqtt: cannot create a client for %s: %s",
                                        options_.server_uri.c_str(), MQTTAsync_strerror(rc)));
  }
  rc = MQTTAsync_setCallbacks(client, this, &Callbacks::on_connection_lost, &Callbacks::on_message,
                              &Callbacks::on_delivered);
  if (rc != MQTTASYNC_SUCCESS) return logged(paho_failure(rc, "cannot set callbacks"));
  return transport_->configure(options_);  // logged where it failed
}

port::Status MqttSession::connect(const char* password) {
  disconnecting_ = false;
  draining_ = false;
  forget_password();
  if (password != nullptr) {
    const std::size_t length = std::strlen(password);
    if (length >= sizeof password_) {
      return port::Status::failure(port::Status::Code::too_large,
                                   "the password is longer than %zu bytes", sizeof password_ - 1);
    }
    std::memcpy(password_, password, length + 1);
    has_password_ = true;
  }
  transport_->start();
  return port::Status::ok();
}

void MqttSession::end_failed_connect() {
  transport_->close();
}

void MqttSession::connect_paho(uint16_t hop_port) {
  char uri[32];
  std::snprintf(uri, sizeof uri, "tcp://127.0.0.1:%u", hop_port);
  char* uris[] = {uri};
  MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
  MQTTAsync_connectOptions opts = MQTTAsync_connectOptions_initializer;
  opts.keepAliveInterval = options_.keep_alive_seconds;
  opts.cleansession = 1;
  opts.connectTimeout = kConnectTimeoutSeconds;
  opts.automaticReconnect = 0;  // the agent reconnects itself, with jittered backoff
  opts.MQTTVersion = MQTTVERSION_3_1_1;
  opts.username = or_null(options_.username);
  opts.password = has_password_ ? password_ : nullptr;
  opts.serverURIcount = 1;
  opts.serverURIs = uris;
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
  if (!paho_connecting_.exchange(true)) paho_connecting(true);
  const int rc = MQTTAsync_connect(handle(client_), &opts);
  forget_password();  // Paho keeps its own copy
  if (rc != MQTTASYNC_SUCCESS) {
    paho_connected();
    transport_->close();
    inbox_.push_event(SessionEventKind::connect_failed, rc, MQTTAsync_strerror(rc),
                      ConnectFailure::other);
  }
}

port::Status MqttSession::subscribe(const Subscription* subscriptions, std::size_t count) {
  if (count == 0 || count > kMaxSubscriptions) {
    return logged(port::Status::failure(port::Status::Code::invalid,
                                        "mqtt: %zu subscriptions asked for; 1 to %zu can be made",
                                        count, kMaxSubscriptions));
  }
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
  if (rc != MQTTASYNC_SUCCESS) return logged(paho_failure(rc, "cannot subscribe"));
  return port::Status::ok();
}

port::Status MqttSession::publish(const char* topic, std::string_view payload, int qos,
                                  bool retained) {
  // Paho takes a message published after the disconnect was asked for, but never sends it.
  if (disconnecting_) {
    port::log(port::Level::debug, "mqtt: not publishing to %s: disconnecting", topic);
    return port::Status::unavailable();
  }
  const int rc = MQTTAsync_send(handle(client_), topic, static_cast<int>(payload.size()),
                                payload.data(), qos, retained ? 1 : 0, nullptr);
  if (rc != MQTTASYNC_SUCCESS) {
    port::log(port::Level::warning, "mqtt: cannot publish to %s: %s", topic,
              MQTTAsync_strerror(rc));
    return refusal(rc);
  }
  return port::Status::ok();
}

port::Result<int> MqttSession::publish_tracked(const char* topic, std::string_view payload) {
  if (disconnecting_) return port::Status::unavailable();
  MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
  response.context = this;
  response.onSuccess = &Callbacks::on_tracked_success;  // QoS 1: on the server's PUBACK
  response.onFailure = &Callbacks::on_tracked_failure;
  const int rc = MQTTAsync_send(handle(client_), topic, static_cast<int>(payload.size()),
                                payload.data(), 1, 0, &response);
  if (rc != MQTTASYNC_SUCCESS) {
    port::log(port::Level::warning, "mqtt: cannot publish to %s: %s", topic,
              MQTTAsync_strerror(rc));
    return refusal(rc);
  }
  return response.token;
}

port::Status MqttSession::disconnect(int timeout_ms) {
  disconnecting_ = true;
  MQTTAsync_disconnectOptions opts = MQTTAsync_disconnectOptions_initializer;
  opts.timeout = timeout_ms;
  opts.onSuccess = &Callbacks::on_disconnect_success;
  opts.onFailure = &Callbacks::on_disconnect_failure;
  opts.context = this;
  const int rc = MQTTAsync_disconnect(handle(client_), &opts);
  if (rc != MQTTASYNC_SUCCESS) return paho_failure(rc, "cannot disconnect");
  return port::Status::ok();
}

port::Status MqttSession::disconnect_when_delivered() {
  disconnecting_ = true;
  draining_ = true;  // before looking, so an acknowledgement arriving meanwhile is not missed
  return disconnect_if_delivered();
}

port::Status MqttSession::disconnect_if_delivered() {
  if (!draining_) return port::Status::ok();  // the disconnect is already on its way
  MQTTAsync_token* pending = nullptr;
  const int rc = MQTTAsync_getPendingTokens(handle(client_), &pending);
  if (rc != MQTTASYNC_SUCCESS) return paho_failure(rc, "cannot list the messages in flight");
  const bool delivered = pending == nullptr || pending[0] == -1;
  MQTTAsync_free(pending);
  if (!delivered) return port::Status::ok();
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
  const RetainFlag retain = message->retained != 0 ? RetainFlag::set : RetainFlag::clear;
  switch (self(context).inbox_.push_message(std::string_view(topic, length), message->payload,
                                            static_cast<std::size_t>(message->payloadlen),
                                            Loan{message, topic, &Callbacks::free_message},
                                            retain)) {
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

void MqttSession::Callbacks::on_tracked_success(void* context, MQTTAsync_successData* data) {
  if (data != nullptr) self(context).inbox_.push_delivery(Delivery{data->token, true});
}

void MqttSession::Callbacks::on_tracked_failure(void* context, MQTTAsync_failureData* data) {
  if (data != nullptr) self(context).inbox_.push_delivery(Delivery{data->token, false});
}

void MqttSession::Callbacks::on_connection_lost(void* context, char* cause) {
  self(context).inbox_.push_event(SessionEventKind::connection_lost, 0,
                                  cause != nullptr ? cause : "");
}

void MqttSession::Callbacks::on_connect_success(void* context, MQTTAsync_successData*) {
  self(context).paho_connected();
  self(context).inbox_.push_event(SessionEventKind::connected, 0, "");
}

void MqttSession::Callbacks::on_connect_failure(void* context, MQTTAsync_failureData* data) {
  MqttSession& s = self(context);
  s.paho_connected();
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

}  // namespace door::agent
