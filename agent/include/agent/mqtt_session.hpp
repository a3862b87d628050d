#pragma once
// One MQTT 3.1.1 connection over TLS on Paho's asynchronous client. Paho's callbacks only copy into
// the inbox and wake the loop; every decision is taken on the loop thread. This header, like the
// rest of the agent, does not include Paho's: its types stay in mqtt_session.cpp, which translates
// its codes into the agent's (session_types.hpp).
#include <atomic>
#include <cstddef>
#include <string_view>

#include "agent/inbox.hpp"
#include "agent/publisher.hpp"
#include "agent/session_types.hpp"

namespace door::agent {

class MqttSession final : public Publisher {
 public:
  explicit MqttSession(Inbox& inbox) : inbox_(inbox) {}
  ~MqttSession();
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  [[nodiscard]] bool create(const SessionOptions& options);
  // Starts connecting; the outcome arrives as a connected or connect_failed event.
  [[nodiscard]] bool connect(const char* password);
  // Subscribes to all at once; the outcome arrives as a subscribed or subscribe_failed event.
  [[nodiscard]] bool subscribe(const Subscription* subscriptions, std::size_t count);
  [[nodiscard]] bool publish(const char* topic, std::string_view payload, int qos,
                             bool retained) override;
  // Lets in-flight messages finish for up to timeout_ms; a disconnected event follows. Paho waits
  // out the whole timeout when a message is in flight, even once it is acknowledged.
  [[nodiscard]] bool disconnect(int timeout_ms);
  // Disconnects as soon as every message published so far is acknowledged: now, or on the
  // delivered event that the last acknowledgement brings (call disconnect_if_delivered() then).
  [[nodiscard]] bool disconnect_when_delivered();
  [[nodiscard]] bool disconnect_if_delivered();
  bool connected() const;

 private:
  // Paho's callbacks (mqtt_session.cpp), which run on Paho's threads.
  struct Callbacks;
  friend struct Callbacks;
  // Counts this session among those connecting, whose outcome Paho's trace may explain.
  void watch_trace(bool on);

  Inbox& inbox_;
  SessionOptions options_;
  void* client_ = nullptr;  // Paho's MQTTAsync handle
  std::size_t pending_subscriptions_ = 0;
  // Why the connection attempt failed, as only Paho's trace tells, or none.
  std::atomic<ConnectFailure> trace_reason_{ConnectFailure::none};
  bool watching_trace_ = false;        // guarded by the trace's mutex
  bool disconnecting_ = false;         // from disconnect() to the next connect()
  std::atomic<bool> draining_{false};  // waiting for acknowledgements before disconnecting
};

}  // namespace door::agent
