#pragma once
// An MQTT client for tests that plays the service (scheduler, hub) or another device: Paho's
// synchronous client over TLS, trusting the test CA.
#include <MQTTClient.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace door::test {

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
};

struct ClientOptions {
  int port = 0;
  std::string client_id;
  std::string username;
  std::string password;
  std::string cert_file;  // client certificate, for the certificate listener
  std::string key_file;
};

class Broker;
// Options for the usual roles on a test broker.
ClientOptions scheduler_options(const Broker& broker);
ClientOptions device_options(const Broker& broker, const std::string& device_id);
ClientOptions hub_options(const Broker& broker);  // the stand-in IoT Hub listener

class MqttClient {
 public:
  explicit MqttClient(const ClientOptions& options);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // The CONNACK result: 0 on success.
  int connect();
  bool subscribe(const std::string& filter, int qos = 1);
  bool publish(const std::string& topic, const std::string& payload, int qos = 1,
               bool retained = false);
  // The next message on a subscribed topic, or nullopt after timeout.
  std::optional<Message> receive(std::chrono::milliseconds timeout);
  // The next message whose topic starts with prefix; others received meanwhile are kept, in
  // order, for later calls.
  std::optional<Message> receive_on(const std::string& prefix, std::chrono::milliseconds timeout);

 private:
  std::optional<Message> receive_from_broker(std::chrono::milliseconds timeout);

  std::deque<Message> backlog_;
  ClientOptions options_;
  MQTTClient client_ = nullptr;
};

}  // namespace door::test
