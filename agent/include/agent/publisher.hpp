#pragma once
#include <string_view>

#include "port/status.hpp"

namespace door::agent {

// Where the agent core sends what it publishes: the MQTT session, or a recorder in tests.
class Publisher {
 public:
  // topic is NUL-terminated. A failure when the message could not be queued for sending: its code
  // only (unavailable, full, invalid, io_error), no reason text, as this is the message path; the
  // session logs why.
  virtual port::Status publish(const char* topic, std::string_view payload, int qos,
                               bool retained) = 0;

 protected:
  ~Publisher() = default;
};

}  // namespace door::agent
