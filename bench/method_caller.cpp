#include "method_caller.hpp"

#include "async_send.hpp"

#include <cstdlib>

namespace door::bench {

namespace {

using Clock = std::chrono::steady_clock;

// The hub's answer to a twin GET: no desired properties beyond version 1.
constexpr char kTwinDocument[] = R"({"desired":{"$version":1},"reported":{}})";

std::string rid_of(const std::string& topic) {
  const auto at = topic.find("?$rid=");
  if (at == std::string::npos) return "";
  const auto end = topic.find('&', at);
  return topic.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

MethodCaller::MethodCaller(const CallerOptions& options) : options_(options) {
  const bool azure = options.dialect == Dialect::azure;
  request_prefix_ = azure ? "$iothub/methods/POST/lockDoor/?$rid="
                          : "devices/" + options.device_id + "/methods/POST/lockDoor/?$rid=";
  response_filter_ =
      azure ? "$iothub/methods/res/#" : "devices/" + options.device_id + "/methods/res/#";
  const std::string uri = "ssl://localhost:" + std::to_string(options.port);
  MQTTAsync_create(&client_, uri.c_str(), ("bench-caller-" + options.device_id).c_str(),
                   MQTTCLIENT_PERSISTENCE_NONE, nullptr);
  MQTTAsync_setCallbacks(client_, this, nullptr, on_message, nullptr);
}

MethodCaller::~MethodCaller() {
  MQTTAsync_disconnectOptions disconnect = MQTTAsync_disconnectOptions_initializer;
  MQTTAsync_disconnect(client_, &disconnect);
  MQTTAsync_destroy(&client_);
}

bool MethodCaller::connect(std::chrono::seconds timeout) {
  MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
  ssl.trustStore = options_.ca_file.c_str();
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
  options.keepAliveInterval = 60;
  options.cleansession = 1;
  options.username = options_.username.c_str();
  options.password = options_.password.c_str();
  options.ssl = &ssl;
  options.onSuccess = on_connected;
  options.context = this;
  if (MQTTAsync_connect(client_, &options) != MQTTASYNC_SUCCESS) return false;
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return ready_; });
}

void MethodCaller::on_connected(void* context, MQTTAsync_successData*) {
  auto* self = static_cast<MethodCaller*>(context);
  const bool azure = self->options_.dialect == Dialect::azure;
  char* filters[] = {const_cast<char*>(self->response_filter_.c_str()),
                     const_cast<char*>("$iothub/twin/GET/#"),
                     const_cast<char*>("$iothub/twin/PATCH/properties/reported/#")};
  int qos[] = {0, 0, 0};
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  options.onSuccess = on_subscribed;
  options.context = self;
  MQTTAsync_subscribeMany(self->client_, azure ? 3 : 1, filters, qos, &options);
}

void MethodCaller::on_subscribed(void* context, MQTTAsync_successData*) {
  auto* self = static_cast<MethodCaller*>(context);
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->ready_ = true;
  self->changed_.notify_all();
}

void MethodCaller::send_request(int index) {
  sent_[static_cast<std::size_t>(index)] = Clock::now();
  async_send(client_, request_prefix_ + std::to_string(index), "null", 0);
}

std::vector<double> MethodCaller::call(int count, int in_flight, std::chrono::seconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  sent_.assign(static_cast<std::size_t>(count), Clock::time_point());
  round_trips_us_.clear();
  round_trips_us_.reserve(static_cast<std::size_t>(count));
  count_ = count;
  for (next_ = 0; next_ < std::min(count, in_flight); ++next_) send_request(next_);
  changed_.wait_for(lock, timeout,
                    [this] { return round_trips_us_.size() == static_cast<std::size_t>(count_); });
  count_ = 0;  // answers that come later are not counted
  return round_trips_us_;
}

int MethodCaller::on_message(void* context, char* topic_name, int length,
                             MQTTAsync_message* message) {
  auto* self = static_cast<MethodCaller*>(context);
  const std::string topic = length > 0 ? std::string(topic_name, static_cast<std::size_t>(length))
                                       : std::string(topic_name);
  MQTTAsync_freeMessage(&message);
  MQTTAsync_free(topic_name);
  if (starts_with(topic, "$iothub/twin/")) {
    self->answer_twin(topic);
  } else {
    self->answer_method(topic);
  }
  return 1;
}

void MethodCaller::answer_twin(const std::string& topic) {
  const std::string rid = rid_of(topic);
  if (starts_with(topic, "$iothub/twin/GET/")) {
    async_send(client_, "$iothub/twin/res/200/?$rid=" + rid, kTwinDocument, 0);
  } else {
    async_send(client_, "$iothub/twin/res/204/?$rid=" + rid + "&$version=2", "", 0);
  }
}

void MethodCaller::answer_method(const std::string& topic) {
  const std::string rid = rid_of(topic);
  if (rid.empty()) return;
  const int index = std::atoi(rid.c_str());
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (index < 0 || index >= count_) return;
  round_trips_us_.push_back(
      std::chrono::duration<double, std::micro>(now - sent_[static_cast<std::size_t>(index)])
          .count());
  if (next_ < count_) send_request(next_++);
  if (round_trips_us_.size() == static_cast<std::size_t>(count_)) changed_.notify_all();
}

}  // namespace door::bench
