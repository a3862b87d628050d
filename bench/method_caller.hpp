#pragma once
// The service side of the round-trip benchmark: a Paho MQTTAsync client that invokes lockDoor on
// one device and times each call from the request's publish to the answer's arrival. In the Azure
// dialect it also plays the hub's twin: it answers the device's twin GETs and reported patches.
#include <MQTTAsync.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace door::bench {

enum class Dialect { mqtt, azure };

struct CallerOptions {
  Dialect dialect = Dialect::mqtt;
  int port = 0;
  std::string device_id;
  std::string username;
  std::string password;
  std::string ca_file;
};

class MethodCaller {
 public:
  explicit MethodCaller(const CallerOptions& options);
  ~MethodCaller();
  MethodCaller(const MethodCaller&) = delete;
  MethodCaller& operator=(const MethodCaller&) = delete;

  // Connected and subscribed; false after the timeout.
  bool connect(std::chrono::seconds timeout);
  // Makes `count` calls with `in_flight` of them open at once. Returns each call's round trip in
  // microseconds, or fewer figures than calls when answers did not come within the timeout.
  std::vector<double> call(int count, int in_flight, std::chrono::seconds timeout);

 private:
  static int on_message(void* context, char* topic, int length, MQTTAsync_message* message);
  static void on_connected(void* context, MQTTAsync_successData* data);
  static void on_subscribed(void* context, MQTTAsync_successData* data);
  void send_request(int index);  // with mutex_ held
  void answer_twin(const std::string& topic);
  void answer_method(const std::string& topic);

  CallerOptions options_;
  MQTTAsync client_ = nullptr;
  std::string request_prefix_;   // the request topic up to "?$rid="
  std::string response_filter_;  // the subscription for the answers
  std::mutex mutex_;
  std::condition_variable changed_;
  bool ready_ = false;
  std::vector<std::chrono::steady_clock::time_point> sent_;
  std::vector<double> round_trips_us_;
  int count_ = 0;
  int next_ = 0;
};

}  // namespace door::bench
