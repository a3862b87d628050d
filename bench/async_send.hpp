#pragma once
// One publish through Paho's asynchronous client, shared by the benchmark's devices and caller.
#include <MQTTAsync.h>

#include <cstring>
#include <string>

namespace door::bench {

inline void async_send(MQTTAsync client, const std::string& topic, const char* payload, int qos,
                       bool retained = false, MQTTAsync_responseOptions* options = nullptr) {
  MQTTAsync_message message = MQTTAsync_message_initializer;
  message.payload = const_cast<char*>(payload);
  message.payloadlen = static_cast<int>(std::strlen(payload));
  message.qos = qos;
  message.retained = retained ? 1 : 0;
  MQTTAsync_sendMessage(client, topic.c_str(), &message, options);
}

}  // namespace door::bench
