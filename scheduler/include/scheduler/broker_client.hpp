#pragma once
// The scheduler's MQTT connection over TLS (Paho's synchronous client): it plays the service role
// of the broker dialect (DESIGN.md 5.2).
#include <MQTTClient.h>

#include <chrono>
#include <optional>
#include <string>

namespace door::scheduler {

struct BrokerSettings {
  std::string host = "localhost";
  int port = 8883;
  std::string username = "scheduler";
  std::string password;
  std::string ca_file;  // empty: the system trust store
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_id;  // empty: door-scheduler-<pid>
};

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class BrokerClient {
 public:
  explicit BrokerClient(const BrokerSettings& settings);
  ~BrokerClient();
  BrokerClient(const BrokerClient&) = delete;
  BrokerClient& operator=(const BrokerClient&) = delete;

  // False with a one-line reason (unreachable, TLS, refused credentials).
  bool connect(std::string& error);
  bool subscribe(const std::string& filter, int qos);
  bool publish(const std::string& topic, const std::string& payload, int qos, bool retained);
  std::optional<Message> receive(std::chrono::milliseconds timeout);
  // A topic only this connection uses, for markers that order its own messages.
  std::string private_topic(const std::string& leaf) const;

 private:
  BrokerSettings settings_;
  std::string client_id_;
  MQTTClient client_ = nullptr;
};

}  // namespace door::scheduler
