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

class MessageHandler final : public Replier {
 public:
  MessageHandler(const Dialect& dialect, const MethodTable& methods, Publisher& publisher,
                 TwinListener& twin)
      : dialect_(dialect), methods_(methods), publisher_(publisher), twin_(twin) {}

  void handle(const InboxMessage& message);
  // Answers a method call that its handler deferred.
  void reply(ReplyHandle handle, int status, std::string_view body) override;
  // Method responses the publisher refused since the start.
  std::size_t unsent_responses() const { return unsent_responses_; }

 private:
  struct PendingReply {
    bool used = false;
    char rid[protocol::kMaxRequestIdLength + 1];
    char method[protocol::kMaxMethodNameLength + 1];
  };

  void handle_method(const InboxMessage& message, const protocol::InboundTopic& topic);
  ReplyHandle reserve_reply(std::string_view rid, std::string_view method);
  void respond(std::string_view rid, std::string_view method, int status, std::string_view body);

  const Dialect& dialect_;
  const MethodTable& methods_;
  Publisher& publisher_;
  TwinListener& twin_;
  PendingReply pending_[kMaxPendingReplies];
  char response_topic_[kMaxTopicLength + 1];
  char response_body_[kOutboxPayloadBytes];
  std::size_t unsent_responses_ = 0;
};

}  // namespace door::agent
