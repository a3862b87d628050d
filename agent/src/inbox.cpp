#include "agent/inbox.hpp"

#include <cstring>

namespace door::agent {

namespace {
std::size_t copy_text(char* out, std::size_t capacity, std::string_view text) {
  const std::size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
  return n;
}
}  // namespace

bool Inbox::push_message(std::string_view topic, const void* payload, std::size_t payload_length) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (message_count_ == kInboxSlots) return false;
    InboxMessage& m = messages_[(message_head_ + message_count_) % kInboxSlots];
    m.topic_too_long = topic.size() > kMaxTopicLength;
    m.topic_length = copy_text(m.topic, sizeof m.topic, topic);
    m.payload_length = payload_length;
    m.payload_too_large = payload_length > kMaxPayloadBytes;
    if (!m.payload_too_large && payload_length > 0) std::memcpy(m.payload, payload, payload_length);
    ++message_count_;
  }
  wake_.signal();
  return true;
}

void Inbox::push_event(SessionEventKind kind, int code, std::string_view detail) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (event_count_ == kSessionEventSlots) {
      ++dropped_;
      return;
    }
    SessionEvent& e = events_[(event_head_ + event_count_) % kSessionEventSlots];
    e.kind = kind;
    e.code = code;
    copy_text(e.detail, sizeof e.detail, detail);
    ++event_count_;
  }
  wake_.signal();
}

const InboxMessage* Inbox::peek_message() {
  std::lock_guard<std::mutex> lock(mutex_);
  return message_count_ == 0 ? nullptr : &messages_[message_head_];
}

void Inbox::release_message() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (message_count_ == 0) return;
  message_head_ = (message_head_ + 1) % kInboxSlots;
  --message_count_;
}

bool Inbox::pop_event(SessionEvent& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (event_count_ == 0) return false;
  out = events_[event_head_];
  event_head_ = (event_head_ + 1) % kSessionEventSlots;
  --event_count_;
  return true;
}

std::size_t Inbox::take_dropped() {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t n = dropped_;
  dropped_ = 0;
  return n;
}

}  // namespace door::agent
