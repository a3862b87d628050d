#pragma once
// An MQTT client for tests that plays the service (scheduler, hub) or another device: the
// scheduler's own BrokerClient, plus a backlog so a test can wait for one topic without losing the
// messages that arrive meanwhile.
#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "scheduler/broker_client.hpp"

namespace door::test {

using scheduler::Message;

struct ClientOptions {
  int port = 0;
  std::string client_id;
  std::string username;
  std::string password;
  std::string cert_file;  // client certificate, for the certificate listener
  std::string key_file;
  // The broker keeps the subscriptions, and queues QoS 1 messages, while the client is away.
  bool persistent_session = false;
};

class Broker;
// Options for the usual roles on a test broker.
ClientOptions scheduler_options(const Broker& broker);
ClientOptions device_options(const Broker& broker, const std::string& device_id);
ClientOptions hub_options(const Broker& broker);  // the stand-in IoT Hub listener

class MqttClient {
 public:
  explicit MqttClient(const ClientOptions& options);

  // "" once connected, else why the broker refused or could not be reached.
  std::string connect();
  bool connected() { return client_.connected(); }
  bool subscribe(const std::string& filter, int qos = 1) { return client_.subscribe(filter, qos); }
  bool publish(const std::string& topic, const std::string& payload, int qos = 1,
               bool retained = false) {
    return client_.publish(topic, payload, qos, retained);
  }
  // The next message on a subscribed topic, or nullopt after timeout.
  std::optional<Message> receive(std::chrono::milliseconds timeout);
  // The next message whose topic starts with prefix; others received meanwhile are kept, in
  // order, for later calls.
  std::optional<Message> receive_on(const std::string& prefix, std::chrono::milliseconds timeout);

 private:
  scheduler::BrokerClient client_;
  std::deque<Message> backlog_;
};

}  // namespace door::test
