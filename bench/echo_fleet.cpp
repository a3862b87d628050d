// Many simulated devices in one process, for the scheduler's fleet benchmark beyond what one agent
// process per device allows: each is a Paho MQTTAsync client with its own broker user that
// announces itself online (a retained status) and answers every method request with 200 and a
// fixed response, as bench/floor_echo does for one device.
// Usage: echo_fleet <port> <CA file> <first number> <count>; device n is fleet-<n, 5 digits> with
// the password pw-<id>. Prints "ready <count>" once all are announced; stops on SIGTERM or SIGINT.
#include <MQTTAsync.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "async_send.hpp"

namespace {

constexpr char kResponse[] = R"({"state":"locked"})";
constexpr char kOnline[] = R"({"online":true})";

std::atomic<int> announced{0};
int device_count = 0;

struct Device {
  MQTTAsync client = nullptr;
  std::string id;
  std::string password;
  std::string requests;
  std::string response_prefix;
};

int on_message(void* context, char* topic, int, MQTTAsync_message* message) {
  auto* device = static_cast<Device*>(context);
  if (const char* rid = std::strstr(topic, "?$rid=")) {
    door::bench::async_send(device->client, device->response_prefix + rid, kResponse, 0);
  }
  MQTTAsync_freeMessage(&message);
  MQTTAsync_free(topic);
  return 1;
}

void on_failure(void* context, MQTTAsync_failureData*) {
  std::fprintf(stderr, "echo_fleet: %s was refused by the broker\n",
               static_cast<Device*>(context)->id.c_str());
}

void on_announced(void*, MQTTAsync_successData*) {
  if (++announced == device_count) {
    std::printf("ready %d\n", device_count);
    std::fflush(stdout);
  }
}

// What the next step of a device's start-up calls back: `next` when it succeeds.
MQTTAsync_responseOptions then(void* device, MQTTAsync_onSuccess* next) {
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  options.onSuccess = next;
  options.onFailure = on_failure;
  options.context = device;
  return options;
}

void on_subscribed(void* context, MQTTAsync_successData*) {
  auto* device = static_cast<Device*>(context);
  MQTTAsync_responseOptions options = then(device, on_announced);
  door::bench::async_send(device->client, "devices/" + device->id + "/status", kOnline, 1, true,
                          &options);
}

void on_connected(void* context, MQTTAsync_successData*) {
  auto* device = static_cast<Device*>(context);
  MQTTAsync_responseOptions options = then(device, on_subscribed);
  MQTTAsync_subscribe(device->client, device->requests.c_str(), 0, &options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: echo_fleet <port> <CA file> <first number> <count>\n");
    return 2;
  }
  const std::string uri = std::string("ssl://localhost:") + argv[1];
  const int first = std::atoi(argv[3]);
  device_count = std::atoi(argv[4]);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // Paho's threads inherit the mask

  std::vector<std::unique_ptr<Device>> devices;
  for (int n = first; n < first + device_count; ++n) {
    auto d = std::make_unique<Device>();
    char id[32];
    std::snprintf(id, sizeof id, "fleet-%05d", n);
    d->id = id;
    d->password = "pw-" + d->id;
    d->requests = "devices/" + d->id + "/methods/POST/#";
    d->response_prefix = "devices/" + d->id + "/methods/res/200/";
    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.sendWhileDisconnected = 0;
    MQTTAsync_createWithOptions(&d->client, uri.c_str(), d->id.c_str(), MQTTCLIENT_PERSISTENCE_NONE,
                                nullptr, &create);
    MQTTAsync_setCallbacks(d->client, d.get(), nullptr, on_message, nullptr);
    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    ssl.trustStore = argv[2];
    MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
    options.keepAliveInterval = 60;
    options.cleansession = 1;
    options.username = d->id.c_str();
    options.password = d->password.c_str();
    options.ssl = &ssl;
    options.onSuccess = on_connected;
    options.onFailure = on_failure;
    options.context = d.get();
    if (MQTTAsync_connect(d->client, &options) != MQTTASYNC_SUCCESS) return 1;
    devices.push_back(std::move(d));
  }

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  for (auto& d : devices) {
    MQTTAsync_disconnectOptions disconnect = MQTTAsync_disconnectOptions_initializer;
    MQTTAsync_disconnect(d->client, &disconnect);
    MQTTAsync_destroy(&d->client);
  }
  return 0;
}
