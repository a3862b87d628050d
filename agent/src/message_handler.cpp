#include "agent/message_handler.hpp"

#include "port/log.hpp"

namespace door::agent {

namespace {

// Topics come from the network: show at most 120 characters, non-printables as '?'.
struct LoggableTopic {
  char text[121];
  explicit LoggableTopic(std::string_view topic) {
    std::size_t n = 0;
    for (; n < topic.size() && n < sizeof text - 1; ++n) {
      const char c = topic[n];
      text[n] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    text[n] = '\0';
  }
};

// A retained request comes back from the broker's store at every connect: run, it would repeat
// after each network blip. It is answered, so its sender learns, and never executed.
int refuse_retained_request(const InboxMessage& message, const protocol::InboundTopic& topic,
                            port::TextWriter& body) {
  port::log(port::Level::warning,
            "refused method %.*s (rid %.*s): it came with the retain flag and a retained request "
            "is never executed; clear it with an empty retained message on '%s'",
            static_cast<int>(topic.method.size()), topic.method.data(),
            static_cast<int>(topic.rid.size()), topic.rid.data(),
            LoggableTopic(message.topic_view()).text);
  body.add(R"({"message":"a retained method request is not executed"})");
  return 400;
}

}  // namespace

void MessageHandler::handle(const InboxMessage& message) {
  if (message.topic_too_long) {
    port::log(port::Level::warning, "ignored a message whose topic is longer than %zu bytes",
              kMaxTopicLength);
    return;
  }
  const protocol::InboundTopic topic = dialect_.parse(message.topic_view());
  switch (topic.kind) {
    case protocol::InboundKind::method_request: handle_method(message, topic); return;
    case protocol::InboundKind::none:
      port::log(port::Level::warning, "ignored a message on unexpected topic '%s'",
                LoggableTopic(message.topic_view()).text);
      return;
    case protocol::InboundKind::twin_response:
    case protocol::InboundKind::desired_patch:
    case protocol::InboundKind::desired_document: {
      const bool response = topic.kind == protocol::InboundKind::twin_response;
      const std::size_t limit = response ? kMaxTwinResponseBytes : kMaxDesiredMessageBytes;
      if (message.payload_too_large || message.payload_length > limit) {
        port::log(port::Level::error,
                  "ignored a twin message of %zu bytes on '%s': over IoT Hub's twin limits (%zu "
                  "bytes); keeping the desired properties applied",
                  message.payload_length, LoggableTopic(message.topic_view()).text, limit);
        if (response) twin_.on_twin_response_too_large(topic.status, topic.rid);
        return;
      }
      if (response) {
        twin_.on_twin_response(topic.status, topic.rid, message.payload_view());
      } else {
        twin_.on_desired(topic.kind == protocol::InboundKind::desired_document, topic.version,
                         message.payload_view());
      }
      return;
    }
  }
}

void MessageHandler::handle_method(const InboxMessage& message,
                                   const protocol::InboundTopic& topic) {
  port::TextWriter body(response_body_, sizeof response_body_);
  int status = 0;
  if (message.retain == RetainFlag::set) {
    status = refuse_retained_request(message, topic, body);
  } else if (message.payload_too_large || message.payload_length > kMaxPayloadBytes) {
    status = 413;
    body.add(R"({"message":"payload of )")
        .add_uint(message.payload_length)
        .add(" bytes is larger than the limit of ")
        .add_uint(kMaxPayloadBytes)
        .add(R"( bytes"})");
  } else if (MethodHandler* handler = methods_.find(topic.method)) {
    status = handler->call(MethodCall{message.payload_view(), topic.rid, topic.method}, body);
    if (status == kReplyLater) return;  // the handler posts its answer when the hardware answers
    if (!body.ok()) {                   // a handler that broke its contract
      body.clear();
      status = 500;
      body.add(R"({"message":"the method did not produce a response"})");
    }
  } else {
    // Method names are validated to [A-Za-z0-9-._:], so they are safe inside a JSON string.
    status = 404;
    body.add(R"({"message":"unknown method ')").add(topic.method).add(R"('"})");
  }
  const port::Status posted = outbox_.post_answer(topic.rid, topic.method, status, body.view());
  if (!posted.is_ok()) {
    // The caller's request times out (IoT Hub: 504); a later answer would come too late to help.
    port::log(port::Level::error, "method %.*s (rid %.*s): the %d answer was not queued: outbox %s",
              static_cast<int>(topic.method.size()), topic.method.data(),
              static_cast<int>(topic.rid.size()), topic.rid.data(), status, posted.text());
  }
}

}  // namespace door::agent
