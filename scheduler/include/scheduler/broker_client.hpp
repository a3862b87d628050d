#pragma once
// The scheduler's MQTT connection over TLS (Paho's synchronous client): it plays the service role
// of the broker dialect (DESIGN.md 5.2).
#include <MQTTClient.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "port/secret.hpp"

#include "scheduler/broker_link.hpp"

namespace door::scheduler {

struct BrokerSettings {
  std::string host = "localhost";
  int port = 8884;  // the broker's service listener (deploy/mosquitto/door-broker.conf)
  std::string username = "scheduler";
  port::SecretString password;
  std::string ca_file;  // empty: the system trust store
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_id;  // empty: door-scheduler-<32 random hex digits>
  // Clean session off: the broker keeps the client id's subscriptions, and queues the QoS 1
  // messages they match while it is away. Only for a client id one process at a time uses.
  bool persistent_session = false;
};

class BrokerClient final : public BrokerLink {
 public:
  explicit BrokerClient(const BrokerSettings& settings);
  ~BrokerClient() override;
  BrokerClient(const BrokerClient&) = delete;
  BrokerClient& operator=(const BrokerClient&) = delete;

  // False with a one-line reason (unreachable, TLS, refused credentials).
  bool connect(std::string& error);
  // False once the connection is lost (the broker stopped, the network failed), until connect()
  // succeeds again.
  bool connected() const override;
  // With a persistent session: whether the last connect found the session the broker kept.
  bool session_present() const { return session_present_; }
  bool subscribe(const std::string& filter, int qos) override;
  // At QoS 1, waits until the broker has taken the message (10 s at most).
  bool publish(const std::string& topic, const std::string& payload, int qos,
               bool retained) override;
  // QoS 1 without waiting for the broker, for requests whose answer confirms them: many go out
  // back to back. The broker's acknowledgements are handled by receive().
  bool send(const std::string& topic, const std::string& payload) override;
  std::optional<Message> receive(std::chrono::milliseconds timeout) override;
  // A topic only this connection uses, for markers that order its own messages.
  std::string private_topic(const std::string& leaf) const;

 private:
  bool start_publish(const std::string& topic, const std::string& payload, int qos, bool retained,
                     MQTTClient_deliveryToken& token);
  bool delivered(MQTTClient_deliveryToken token);
  std::optional<Message> receive_from_broker(std::chrono::milliseconds timeout);

  BrokerSettings settings_;
  std::string client_id_;
  MQTTClient client_ = nullptr;
  bool session_present_ = false;
  std::deque<Message> received_;  // arrived while a publish waited for the broker
};

}  // namespace door::scheduler
