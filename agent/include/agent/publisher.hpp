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

// A publisher that tells when the server acknowledged a message: the MQTT session.
class TrackedPublisher : public Publisher {
 public:
  // Publishes at QoS 1: the token its Delivery will carry (Inbox::pop_delivery), or why it could
  // not be queued (the code only, as publish()).
  virtual port::Result<int> publish_tracked(const char* topic, std::string_view payload) = 0;

 protected:
  ~TrackedPublisher() = default;
};

}  // namespace door::agent
