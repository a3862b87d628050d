#include "mqtt_client.hpp"

#include "broker.hpp"
#include "test_pki.hpp"

namespace door::test {

ClientOptions scheduler_options(const Broker& broker) {
  ClientOptions o;
  o.port = broker.service_port();
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

namespace {
scheduler::BrokerSettings settings_for(const ClientOptions& o) {
  scheduler::BrokerSettings s;
  s.host = "localhost";
  s.port = o.port;
  s.username = o.username;
  s.password = o.password;
  s.ca_file = TestPki::shared().file("ca.pem");
  s.client_cert_file = o.cert_file;
  s.client_key_file = o.key_file;
  s.client_id = o.client_id;
  s.persistent_session = o.persistent_session;
  return s;
}
}  // namespace

MqttClient::MqttClient(const ClientOptions& options) : client_(settings_for(options)) {}

std::string MqttClient::connect() {
  std::string error;
  return client_.connect(error) ? std::string{} : error;
}

std::optional<Message> MqttClient::receive(std::chrono::milliseconds timeout) {
  if (!backlog_.empty()) {
    Message m = std::move(backlog_.front());
    backlog_.pop_front();
    return m;
  }
  return client_.receive(timeout);
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
    auto m = client_.receive(left);
    if (!m || m->topic.rfind(prefix, 0) == 0) return m;
    backlog_.push_back(std::move(*m));
  }
}

}  // namespace door::test
