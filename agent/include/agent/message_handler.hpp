#pragma once
// The message path: an inbox message is decoded by the dialect, a method request is dispatched and
// its answer posted to the outbox; twin messages go to the twin's listener. Nothing here allocates.
#include <cstddef>

#include "agent/capacities.hpp"
#include "agent/dialect.hpp"
#include "agent/inbox.hpp"
#include "agent/methods.hpp"
#include "agent/outbox.hpp"

namespace door::agent {

// Where twin messages go (desired changes, IoT Hub's twin responses).
class TwinListener {
 public:
  virtual void on_twin_response(int status, std::string_view rid, std::string_view payload) = 0;
  // A twin response over IoT Hub's limits, not handed on.
  virtual void on_twin_response_too_large(int status, std::string_view rid) = 0;
  // version: from the topic, or -1.
  virtual void on_desired(bool full_document, int64_t version, std::string_view payload) = 0;

 protected:
  ~TwinListener() = default;
};

class MessageHandler final {
 public:
  MessageHandler(const Dialect& dialect, const MethodTable& methods, Outbox& outbox,
                 TwinListener& twin)
      : dialect_(dialect), methods_(methods), outbox_(outbox), twin_(twin) {}

  void handle(const InboxMessage& message);

 private:
  void handle_method(const InboxMessage& message, const protocol::InboundTopic& topic);

  const Dialect& dialect_;
  const MethodTable& methods_;
  Outbox& outbox_;
  TwinListener& twin_;
  char response_body_[kOutboxPayloadBytes];
};

}  // namespace door::agent
