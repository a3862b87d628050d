#pragma once
// One MQTT 3.1.1 connection over TLS: the agent's own TLS session (mbedtls, on the loop thread)
// carries the MQTT of Paho's non-TLS asynchronous client through a loopback hop. Paho's callbacks
// only copy into the inbox and wake the loop; every decision is taken on the loop thread. This
// header, like the rest of the agent, does not include Paho's: its types stay in mqtt_session.cpp,
// which translates its codes into the agent's (session_types.hpp).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/inbox.hpp"
#include "agent/publisher.hpp"
#include "agent/session_types.hpp"
#include "port/event_loop.hpp"
#include "port/status.hpp"

namespace door::agent {

class TlsTransport;

class MqttSession final : public TrackedPublisher {
 public:
  MqttSession(Inbox& inbox, port::EventLoop& loop);
  ~MqttSession();
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  // Fails when Paho cannot make its client or the TLS settings cannot be loaded (logged, and the
  // reason is in the status).
  port::Status create(const SessionOptions& options);
  // Starts connecting (TLS first, on the loop; then MQTT); the outcome arrives as a connected or
  // connect_failed event.
  port::Status connect(const char* password);
  // On the loop thread, once a connect_failed event arrives: closes what is left of the attempt
  // (the loopback hop stays open until Paho's connect is over, so no other process can take its
  // port while Paho may still come).
  void end_failed_connect();
  // Subscribes to all at once; the outcome arrives as a subscribed or subscribe_failed event.
  port::Status subscribe(const Subscription* subscriptions, std::size_t count);
  port::Status publish(const char* topic, std::string_view payload, int qos,
                       bool retained) override;
  port::Result<int> publish_tracked(const char* topic, std::string_view payload) override;
  // Lets in-flight messages finish for up to timeout_ms; a disconnected event follows. Paho waits
  // out the whole timeout when a message is in flight, even once it is acknowledged.
  port::Status disconnect(int timeout_ms);
  // Disconnects as soon as every message published so far is acknowledged: now, or on the
  // delivered event that the last acknowledgement brings (call disconnect_if_delivered() then).
  port::Status disconnect_when_delivered();
  port::Status disconnect_if_delivered();
  bool connected() const;

 private:
  // Paho's callbacks (mqtt_session.cpp), which run on Paho's threads, and the transport's outcome,
  // on the loop thread.
  struct Callbacks;
  friend struct Callbacks;
  struct TransportOutcome;
  void connect_paho(uint16_t hop_port);
  // Paho's connect is over (any thread): its sleeps need no cap for this session any more.
  void paho_connected();
  void forget_password();

  Inbox& inbox_;
  SessionOptions options_;
  std::unique_ptr<TransportOutcome> outcome_;
  std::unique_ptr<TlsTransport> transport_;
  void* client_ = nullptr;  // Paho's MQTTAsync handle
  std::size_t pending_subscriptions_ = 0;
  // The credential, kept from connect() until Paho has it (the TLS handshake comes first).
  char password_[kMaxSasTokenLength] = {};
  bool has_password_ = false;
  bool disconnecting_ = false;                // from disconnect() to the next connect()
  std::atomic<bool> paho_connecting_{false};  // counted in paho_connecting()
  std::atomic<bool> draining_{false};         // waiting for acknowledgements before disconnecting
};

}  // namespace door::agent
