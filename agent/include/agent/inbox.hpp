#pragma once
// Hand-over from Paho's threads to the loop thread. Paho's callbacks copy what they receive into
// preallocated slots and signal the eventfd; the loop thread handles the slots. Nothing here
// allocates after construction.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "agent/capacities.hpp"
#include "port/event_fd.hpp"

namespace door::agent {

struct InboxMessage {
  char topic[kMaxTopicLength + 1];
  std::size_t topic_length;
  char payload[kMaxPayloadBytes];
  std::size_t payload_length;  // the original length, also when it did not fit
  bool topic_too_long;
  bool payload_too_large;  // payload not copied; the caller answers 413 or logs the refusal

  std::string_view topic_view() const { return {topic, topic_length}; }
  std::string_view payload_view() const {
    return payload_too_large ? std::string_view{} : std::string_view{payload, payload_length};
  }
};

enum class SessionEventKind {
  connected,
  connect_failed,
  connection_lost,
  subscribed,
  subscribe_failed,
  disconnected,
  delivered,  // a message was acknowledged while the session waits to disconnect
  tls_error,
};

struct SessionEvent {
  SessionEventKind kind;
  int code;
  char detail[kEventDetailLength];
};

class Inbox {
 public:
  explicit Inbox(port::EventFd& wake) : wake_(wake) {}
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Any thread. False, at once, when every slot is taken: the caller keeps the message and offers
  // it again (Paho delivers a message again when its callback did not take it). Waiting here
  // instead would stall Paho, and with it the answers the loop publishes meanwhile.
  bool push_message(std::string_view topic, const void* payload, std::size_t payload_length);
  // Any thread. When the event queue is full the event is dropped and counted.
  void push_event(SessionEventKind kind, int code, std::string_view detail);

  // Loop thread: the oldest message, or nullptr. It stays valid until release_message().
  const InboxMessage* peek_message();
  void release_message();
  // Loop thread: pops the oldest event into out; false when none.
  bool pop_event(SessionEvent& out);
  // Loop thread: messages and events dropped since the last call.
  std::size_t take_dropped();

 private:
  port::EventFd& wake_;
  std::mutex mutex_;
  InboxMessage messages_[kInboxSlots];
  std::size_t message_head_ = 0;
  std::size_t message_count_ = 0;
  SessionEvent events_[kSessionEventSlots];
  std::size_t event_head_ = 0;
  std::size_t event_count_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace door::agent
