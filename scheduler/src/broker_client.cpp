#include "scheduler/broker_client.hpp"

#include <algorithm>
#include <cstdio>

#include "port/random.hpp"
#include "scheduler/connection_diagnosis.hpp"

namespace door::scheduler {

namespace {
constexpr int kMaxInFlight = 65535;  // QoS 1 messages not yet acknowledged by the broker

// door-scheduler- and 32 hex digits from getrandom: a prefix no device may take (door-fleet
// refuses it), and a rest no one can guess, so that nobody can knock this connection off the
// broker by connecting with its id.
std::string random_client_id() {
  unsigned char bytes[16] = {};
  // getrandom (Linux 3.17+) is retried until it gives them, as the id must not be guessable.
  while (!port::fill_random(bytes, sizeof bytes)) {
  }
  std::string id = "door-scheduler-";
  for (const unsigned char b : bytes) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    id += hex;
  }
  return id;
}
}  // namespace

BrokerClient::BrokerClient(const BrokerSettings& settings)
    : settings_(settings),
      client_id_(settings.client_id.empty() ? random_client_id() : settings.client_id) {
  const std::string uri = "ssl://" + settings_.host + ":" + std::to_string(settings_.port);
  MQTTClient_create(&client_, uri.c_str(), client_id_.c_str(), MQTTCLIENT_PERSISTENCE_NONE,
                    nullptr);
}

BrokerClient::~BrokerClient() {
  if (client_ == nullptr) return;
  if (MQTTClient_isConnected(client_)) MQTTClient_disconnect(client_, 2000);
  MQTTClient_destroy(&client_);
}

bool BrokerClient::connect(std::string& error) {
  MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
  ssl.trustStore = settings_.ca_file.empty() ? nullptr : settings_.ca_file.c_str();
  ssl.keyStore = settings_.client_cert_file.empty() ? nullptr : settings_.client_cert_file.c_str();
  ssl.privateKey = settings_.client_key_file.empty() ? nullptr : settings_.client_key_file.c_str();
  ssl.enableServerCertAuth = 1;
  ssl.verify = 1;
  MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
  opts.keepAliveInterval = 30;
  opts.cleansession = settings_.persistent_session ? 0 : 1;
  opts.connectTimeout = 10;
  // Paho's default ("reliable") allows one QoS 1 message in flight, and a publish that finds it
  // taken waits 100 ms: a job's requests go out back to back instead, as many as MQTT ids allow.
  opts.reliable = 0;
  opts.maxInflightMessages = kMaxInFlight;
  opts.username = settings_.username.empty() ? nullptr : settings_.username.c_str();
  opts.password = settings_.password.empty() ? nullptr : settings_.password.c_str();
  opts.ssl = &ssl;
  // Paho would fail on a missing file with the same code as on an untrusted certificate.
  error = unreadable_file(settings_);
  if (!error.empty()) return false;
  const int rc = client_ == nullptr ? MQTTCLIENT_FAILURE : MQTTClient_connect(client_, &opts);
  session_present_ = rc == MQTTCLIENT_SUCCESS && opts.returned.sessionPresent != 0;
  if (rc == MQTTCLIENT_SUCCESS) return true;
  const std::string where = settings_.host + ":" + std::to_string(settings_.port);
  if (rc == 4 || rc == 5) {
    error = "the broker at " + where + " refused the user name or password";
  } else {
    error = diagnose_connection(settings_);
  }
  return false;
}

bool BrokerClient::connected() const {
  return client_ != nullptr && MQTTClient_isConnected(client_) != 0;
}

bool BrokerClient::subscribe(const std::string& filter, int qos) {
  return MQTTClient_subscribe(client_, filter.c_str(), qos) == MQTTCLIENT_SUCCESS;
}

bool BrokerClient::start_publish(const std::string& topic, const std::string& payload, int qos,
                                 bool retained, MQTTClient_deliveryToken& token) {
  return MQTTClient_publish(client_, topic.c_str(), static_cast<int>(payload.size()),
                            payload.data(), qos, retained ? 1 : 0, &token) == MQTTCLIENT_SUCCESS;
}

bool BrokerClient::publish(const std::string& topic, const std::string& payload, int qos,
                           bool retained) {
  MQTTClient_deliveryToken token = 0;
  if (!start_publish(topic, payload, qos, retained, token)) return false;
  if (qos == 0) return true;
  // Not MQTTClient_waitForCompletion: it polls in 100 ms steps, which made every write of a twin
  // job cost 100 ms. Receiving 1 ms at a time handles the acknowledgement as soon as it comes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!delivered(token)) {
    if (std::chrono::steady_clock::now() > deadline || !MQTTClient_isConnected(client_)) {
      return false;
    }
    if (auto m = receive_from_broker(std::chrono::milliseconds(1))) {
      received_.push_back(std::move(*m));
    }
  }
  return true;
}

bool BrokerClient::send(const std::string& topic, const std::string& payload) {
  MQTTClient_deliveryToken token = 0;
  return start_publish(topic, payload, 1, false, token);
}

bool BrokerClient::delivered(MQTTClient_deliveryToken token) {
  MQTTClient_deliveryToken* pending = nullptr;
  if (MQTTClient_getPendingDeliveryTokens(client_, &pending) != MQTTCLIENT_SUCCESS) return false;
  bool found = false;
  for (int i = 0; pending != nullptr && pending[i] != -1; ++i) found = found || pending[i] == token;
  MQTTClient_free(pending);
  return !found;
}

std::optional<Message> BrokerClient::receive(std::chrono::milliseconds timeout) {
  if (!received_.empty()) {
    Message m = std::move(received_.front());
    received_.pop_front();
    return m;
  }
  return receive_from_broker(timeout);
}

std::optional<Message> BrokerClient::receive_from_broker(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // With no time left, one look at what has arrived already.
    const auto left = std::max(std::chrono::milliseconds(0),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   deadline - std::chrono::steady_clock::now()));
    char* topic = nullptr;
    int topic_length = 0;
    MQTTClient_message* message = nullptr;
    const int rc = MQTTClient_receive(client_, &topic, &topic_length, &message,
                                      static_cast<unsigned long>(left.count()));
    if (rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED) return std::nullopt;
    if (message == nullptr && left.count() == 0) return std::nullopt;
    if (message == nullptr) continue;
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

std::string BrokerClient::private_topic(const std::string& leaf) const {
  // Under devices/ so the shipped ACL lets the scheduler use it; no device has this id.
  return "devices/" + client_id_ + "/" + leaf;
}

}  // namespace door::scheduler
