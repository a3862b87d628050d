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
    case protocol::InboundKind::desired_document:
      port::log(port::Level::debug, "twin message on '%s' (%zu bytes) not applied",
                LoggableTopic(message.topic_view()).text, message.payload_length);
      return;
  }
}

void MessageHandler::handle_method(const InboxMessage& message,
                                   const protocol::InboundTopic& topic) {
  port::TextWriter body(response_body_, sizeof response_body_);
  int status = 0;
  if (message.payload_too_large) {
    status = 413;
    body.add(R"({"message":"payload of )")
        .add_uint(message.payload_length)
        .add(" bytes is larger than the limit of ")
        .add_uint(kMaxPayloadBytes)
        .add(R"( bytes"})");
  } else if (MethodHandler* handler = methods_.find(topic.method)) {
    status = handler->call(message.payload_view(), body);
    if (!body.ok()) {
      body.clear();
      status = 500;
      body.add(R"({"message":"response too large"})");
    }
  } else {
    // Method names are validated to [A-Za-z0-9-._:], so they are safe inside a JSON string.
    status = 404;
    body.add(R"({"message":"unknown method ')").add(topic.method).add(R"('"})");
  }
  port::log(status < 400 ? port::Level::info : port::Level::warning, "method %.*s (rid %.*s): %d",
            static_cast<int>(topic.method.size()), topic.method.data(),
            static_cast<int>(topic.rid.size()), topic.rid.data(), status);
  respond(topic.rid, status);
}

void MessageHandler::respond(std::string_view rid, int status) {
  port::TextWriter topic(response_topic_, sizeof response_topic_);
  if (!dialect_.format_method_response(topic, status, rid)) {
    port::log(port::Level::error, "cannot form the response topic for rid %.*s",
              static_cast<int>(rid.size()), rid.data());
    return;
  }
  const std::string_view body(response_body_);
  publisher_.publish(topic.c_str(), body.empty() ? std::string_view("{}") : body, 1, false);
}

}  // namespace door::agent
