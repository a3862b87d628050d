#pragma once
// One MQTT 3.1.1 connection over TLS on Paho's asynchronous client. Paho's callbacks only copy into
// the inbox and wake the loop; every decision is taken on the loop thread.
#include <MQTTAsync.h>

#include <atomic>
#include <cstddef>
#include <string>

#include "agent/inbox.hpp"
#include "agent/publisher.hpp"

namespace door::agent {

struct SessionOptions {
  std::string server_uri;  // ssl://host:port
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

// Words for a connect failure code: a CONNACK refusal (1-5) or one of Paho's own codes.
const char* describe_connect_failure(int code);
// True when the server refused the username, password or authorisation (CONNACK 4 or 5).
bool credentials_refused(int code);

class MqttSession final : public Publisher {
 public:
  explicit MqttSession(Inbox& inbox) : inbox_(inbox) {}
  ~MqttSession();
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  bool create(const SessionOptions& options);
  // Starts connecting; the outcome arrives as a connected or connect_failed event.
  bool connect(const char* password);
  // Subscribes to all at once; the outcome arrives as a subscribed or subscribe_failed event.
  bool subscribe(const Subscription* subscriptions, std::size_t count);
  [[nodiscard]] bool publish(const char* topic, std::string_view payload, int qos,
                             bool retained) override;
  // Lets in-flight messages finish for up to timeout_ms; a disconnected event follows. Paho waits
  // out the whole timeout when a message is in flight, even once it is acknowledged.
  bool disconnect(int timeout_ms);
  // Disconnects as soon as every message published so far is acknowledged: now, or on the
  // delivered event that the last acknowledgement brings (call disconnect_if_delivered() then).
  bool disconnect_when_delivered();
  bool disconnect_if_delivered();
  bool connected() const;

 private:
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
  // Counts this session among those connecting, whose outcome Paho's trace may explain.
  void watch_trace(bool on);

  Inbox& inbox_;
  SessionOptions options_;
  MQTTAsync client_ = nullptr;
  std::size_t pending_subscriptions_ = 0;
  // Why the connection attempt failed, as only Paho's trace tells (a static string), or nullptr.
  std::atomic<const char*> trace_reason_{nullptr};
  bool watching_trace_ = false;        // guarded by the trace's mutex
  bool disconnecting_ = false;         // from disconnect() to the next connect()
  std::atomic<bool> draining_{false};  // waiting for acknowledgements before disconnecting
};

}  // namespace door::agent
