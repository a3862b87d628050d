// The floor of the round-trip benchmark: a bare Paho MQTT C device that answers every method
// request with a fixed response and does nothing else (no JSON, no door, no twin). It subscribes
// and answers with the same QoS as the door-agent in each dialect, so the difference between the
// two is the agent's own work.
// Usage: floor_echo mqtt|azure <port> <device id> <user> <password> <CA file>
// Prints "ready" once subscribed; stops on SIGTERM or SIGINT.
#include <MQTTAsync.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

#include "async_send.hpp"

namespace {

constexpr char kResponse[] = R"({"state":"locked"})";

struct Echo {
  MQTTAsync client = nullptr;
  std::string requests;         // the subscription
  std::string response_prefix;  // the response topic up to "?$rid="
  int subscription_qos = 1;
  std::atomic<bool> failed{false};
};

int on_message(void* context, char* topic, int, MQTTAsync_message* message) {
  auto* echo = static_cast<Echo*>(context);
  const char* rid = std::strstr(topic, "?$rid=");
  if (rid != nullptr) {
    door::bench::async_send(echo->client, echo->response_prefix + rid, kResponse, 1);
  }
  MQTTAsync_freeMessage(&message);
  MQTTAsync_free(topic);
  return 1;
}

void on_subscribed(void*, MQTTAsync_successData*) {
  std::printf("ready\n");
  std::fflush(stdout);
}

void on_failure(void* context, MQTTAsync_failureData*) {
  std::fprintf(stderr, "floor_echo: the broker refused the connection or the subscription\n");
  static_cast<Echo*>(context)->failed = true;
}

void on_connected(void* context, MQTTAsync_successData*) {
  auto* echo = static_cast<Echo*>(context);
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  options.onSuccess = on_subscribed;
  options.onFailure = on_failure;
  options.context = echo;
  MQTTAsync_subscribe(echo->client, echo->requests.c_str(), echo->subscription_qos, &options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: floor_echo mqtt|azure <port> <device id> <user> <password> <CA>\n");
    return 2;
  }
  const bool azure = std::strcmp(argv[1], "azure") == 0;
  const std::string device = argv[3];
  Echo echo;
  echo.requests = azure ? "$iothub/methods/POST/#" : "devices/" + device + "/methods/POST/#";
  echo.response_prefix =
      azure ? "$iothub/methods/res/200/" : "devices/" + device + "/methods/res/200/";
  echo.subscription_qos = azure ? 0 : 1;

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // Paho's threads inherit the mask

  const std::string uri = std::string("ssl://localhost:") + argv[2];
  MQTTAsync_create(&echo.client, uri.c_str(), device.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr);
  MQTTAsync_setCallbacks(echo.client, &echo, nullptr, on_message, nullptr);
  MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
  ssl.trustStore = argv[6];
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
  options.keepAliveInterval = 60;
  options.cleansession = 1;
  options.username = argv[4];
  options.password = argv[5];
  options.ssl = &ssl;
  options.onSuccess = on_connected;
  options.onFailure = on_failure;
  options.context = &echo;
  if (MQTTAsync_connect(echo.client, &options) != MQTTASYNC_SUCCESS) return 1;

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  MQTTAsync_disconnectOptions disconnect = MQTTAsync_disconnectOptions_initializer;
  MQTTAsync_disconnect(echo.client, &disconnect);
  MQTTAsync_destroy(&echo.client);
  return echo.failed ? 1 : 0;
}
