#pragma once
#include <string_view>

namespace door::agent {

// Where the agent core sends what it publishes: the MQTT session, or a recorder in tests.
class Publisher {
 public:
  // topic is NUL-terminated. False when the message could not be queued for sending.
  [[nodiscard]] virtual bool publish(const char* topic, std::string_view payload, int qos,
                                     bool retained) = 0;

 protected:
  ~Publisher() = default;
};

}  // namespace door::agent
