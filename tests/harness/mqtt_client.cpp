#include "mqtt_client.hpp"

#include <stdexcept>

#include "broker.hpp"
#include "test_pki.hpp"

namespace door::test {

ClientOptions scheduler_options(const Broker& broker) {
  ClientOptions o;
  o.port = broker.port();
  o.client_id = "scheduler";
  o.username = Broker::kSchedulerUser;
  o.password = Broker::kSchedulerPassword;
  return o;
}

ClientOptions device_options(const Broker& broker, const std::string& device_id) {
  ClientOptions o;
  o.port = broker.port();
  o.client_id = device_id;
  o.username = device_id;
  o.password = Broker::device_password(device_id);
  return o;
}

ClientOptions hub_options(const Broker& broker) {
  ClientOptions o;
  o.port = broker.azure_port();
  o.client_id = "hub";
  return o;
}

MqttClient::MqttClient(const ClientOptions& options) : options_(options) {
  const std::string uri = "ssl://localhost:" + std::to_string(options_.port);
  if (MQTTClient_create(&client_, uri.c_str(), options_.client_id.c_str(),
                        MQTTCLIENT_PERSISTENCE_NONE, nullptr) != MQTTCLIENT_SUCCESS) {
    throw std::runtime_error("MQTTClient_create failed");
  }
}

MqttClient::~MqttClient() {
  if (MQTTClient_isConnected(client_)) MQTTClient_disconnect(client_, 1000);
  MQTTClient_destroy(&client_);
}

int MqttClient::connect() {
  const std::string ca = TestPki::shared().file("ca.pem");
  MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
  ssl.trustStore = ca.c_str();
  ssl.verify = 1;
  ssl.keyStore = options_.cert_file.empty() ? nullptr : options_.cert_file.c_str();
  ssl.privateKey = options_.key_file.empty() ? nullptr : options_.key_file.c_str();
  MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
  opts.keepAliveInterval = 30;
  opts.cleansession = 1;
  opts.connectTimeout = 10;
  opts.username = options_.username.empty() ? nullptr : options_.username.c_str();
  opts.password = options_.password.empty() ? nullptr : options_.password.c_str();
  opts.ssl = &ssl;
  return MQTTClient_connect(client_, &opts);
}

bool MqttClient::subscribe(const std::string& filter, int qos) {
  return MQTTClient_subscribe(client_, filter.c_str(), qos) == MQTTCLIENT_SUCCESS;
}

bool MqttClient::publish(const std::string& topic, const std::string& payload, int qos,
                         bool retained) {
  MQTTClient_deliveryToken token = 0;
  if (MQTTClient_publish(client_, topic.c_str(), static_cast<int>(payload.size()), payload.data(),
                         qos, retained ? 1 : 0, &token) != MQTTCLIENT_SUCCESS) {
    return false;
  }
  return qos == 0 || MQTTClient_waitForCompletion(client_, token, 10000) == MQTTCLIENT_SUCCESS;
}

std::optional<Message> MqttClient::receive(std::chrono::milliseconds timeout) {
  if (!backlog_.empty()) {
    Message m = std::move(backlog_.front());
    backlog_.pop_front();
    return m;
  }
  return receive_from_broker(timeout);
}

std::optional<Message> MqttClient::receive_from_broker(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    char* topic = nullptr;
    int topic_length = 0;
    MQTTClient_message* message = nullptr;
    const int rc = MQTTClient_receive(client_, &topic, &topic_length, &message,
                                      static_cast<unsigned long>(left.count()));
    if (rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED) return std::nullopt;
    if (message == nullptr) continue;  // timed out inside receive, or a non-message packet
    Message m;
    m.topic = topic_length > 0 ? std::string(topic, static_cast<std::size_t>(topic_length))
                               : std::string(topic);
    m.payload.assign(static_cast<const char*>(message->payload),
                     static_cast<std::size_t>(message->payloadlen));
    m.retained = message->retained != 0;
    MQTTClient_freeMessage(&message);
    MQTTClient_free(topic);
    return m;
  }
}

std::optional<Message> MqttClient::receive_on(const std::string& prefix,
                                              std::chrono::milliseconds timeout) {
  for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
    if (it->topic.rfind(prefix, 0) == 0) {
      Message m = std::move(*it);
      backlog_.erase(it);
      return m;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto m = receive_from_broker(left);
    if (!m || m->topic.rfind(prefix, 0) == 0) return m;
    backlog_.push_back(std::move(*m));
  }
}

}  // namespace door::test
