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
  if (message.payload_too_large || message.payload_length > kMaxPayloadBytes) {
    status = 413;
    body.add(R"({"message":"payload of )")
        .add_uint(message.payload_length)
        .add(" bytes is larger than the limit of ")
        .add_uint(kMaxPayloadBytes)
        .add(R"( bytes"})");
  } else if (MethodHandler* handler = methods_.find(topic.method)) {
    const ReplyHandle handle = reserve_reply(topic.rid, topic.method);
    status = handler->call(MethodCall{message.payload_view(), handle}, body);
    if (status == kReplyLater && handle != kNoReplyHandle) return;
    if (handle != kNoReplyHandle) pending_[handle].used = false;
    if (status == kReplyLater || !body.ok()) {  // a handler that broke its contract
      body.clear();
      status = 500;
      body.add(R"({"message":"the method did not produce a response"})");
    }
  } else {
    // Method names are validated to [A-Za-z0-9-._:], so they are safe inside a JSON string.
    status = 404;
    body.add(R"({"message":"unknown method ')").add(topic.method).add(R"('"})");
  }
  respond(topic.rid, topic.method, status, body.view());
}

ReplyHandle MessageHandler::reserve_reply(std::string_view rid, std::string_view method) {
  for (std::size_t i = 0; i < kMaxPendingReplies; ++i) {
    PendingReply& p = pending_[i];
    if (p.used) continue;
    // rid and method were validated by the topic parser, so they fit.
    port::TextWriter(p.rid, sizeof p.rid).add(rid);
    port::TextWriter(p.method, sizeof p.method).add(method);
    p.used = true;
    return static_cast<ReplyHandle>(i);
  }
  return kNoReplyHandle;
}

void MessageHandler::reply(ReplyHandle handle, int status, std::string_view body) {
  if (handle < 0 || static_cast<std::size_t>(handle) >= kMaxPendingReplies ||
      !pending_[handle].used) {
    return;
  }
  PendingReply& p = pending_[handle];
  p.used = false;
  respond(p.rid, p.method, status, body);
}

void MessageHandler::respond(std::string_view rid, std::string_view method, int status,
                             std::string_view body) {
  port::log(status < 400 ? port::Level::info : port::Level::warning, "method %.*s (rid %.*s): %d",
            static_cast<int>(method.size()), method.data(), static_cast<int>(rid.size()),
            rid.data(), status);
  port::TextWriter topic(response_topic_, sizeof response_topic_);
  if (!dialect_.format_method_response(topic, status, rid)) {
    port::log(port::Level::error, "cannot form the response topic for rid %.*s",
              static_cast<int>(rid.size()), rid.data());
    return;
  }
  if (!publisher_.publish(topic.c_str(), body.empty() ? std::string_view("{}") : body, 1, false)) {
    // The caller's request times out (IoT Hub: 504); a later answer would come too late to help.
    ++unsent_responses_;
    port::log(port::Level::error,
              "method %.*s (rid %.*s): the %d response could not be sent (%zu unsent so far)",
              static_cast<int>(method.size()), method.data(), static_cast<int>(rid.size()),
              rid.data(), status, unsent_responses_);
  }
}

}  // namespace door::agent
