#pragma once
// The message path: an inbox message is decoded by the dialect, a method request is dispatched and
// answered from preallocated buffers. Nothing here allocates.
#include <cstddef>

#include "agent/capacities.hpp"
#include "agent/dialect.hpp"
#include "agent/inbox.hpp"
#include "agent/methods.hpp"
#include "agent/publisher.hpp"

namespace door::agent {

class MessageHandler {
 public:
  MessageHandler(const Dialect& dialect, const MethodTable& methods, Publisher& publisher)
      : dialect_(dialect), methods_(methods), publisher_(publisher) {}

  void handle(const InboxMessage& message);

 private:
  void handle_method(const InboxMessage& message, const protocol::InboundTopic& topic);
  void respond(std::string_view rid, int status);

  const Dialect& dialect_;
  const MethodTable& methods_;
  Publisher& publisher_;
  char response_topic_[kMaxTopicLength + 1];
  char response_body_[kOutboxPayloadBytes];
};

}  // namespace door::agent
