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

Inbox::~Inbox() {
  for (; kept_count_ > 0; --kept_count_, kept_head_ = (kept_head_ + 1) % kInboxKeptMessages) {
    const Loan& loan = kept_[kept_head_].loan;
    loan.release(loan.owner, loan.topic);
  }
}

void Inbox::copy_to_slot(std::string_view topic, const void* payload, std::size_t payload_length) {
  InboxMessage& m = messages_[(message_head_ + message_count_) % kInboxSlots];
  m.topic_too_long = topic.size() > kMaxTopicLength;
  m.topic_length = copy_text(m.topic, sizeof m.topic, topic);
  m.payload_length = payload_length;
  m.payload_too_large = payload_length > kMaxPayloadBytes;
  if (!m.payload_too_large && payload_length > 0) std::memcpy(m.payload, payload, payload_length);
  ++message_count_;
}

Inbox::Taken Inbox::push_message(std::string_view topic, const void* payload,
                                 std::size_t payload_length, const Loan& loan) {
  Taken taken = Taken::copied;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept_count_ == 0 && message_count_ < kInboxSlots) {
      copy_to_slot(topic, payload, payload_length);
    } else if (loan.release != nullptr && kept_count_ < kInboxKeptMessages) {
      kept_[(kept_head_ + kept_count_) % kInboxKeptMessages] =
          KeptMessage{topic.data(), topic.size(), payload, payload_length, loan};
      ++kept_count_;
      taken = Taken::kept;
    } else {
      ++refused_;
      return Taken::refused;
    }
  }
  wake_.signal();
  return taken;
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
  Loan returned;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (message_count_ == 0) return;
    message_head_ = (message_head_ + 1) % kInboxSlots;
    --message_count_;
    if (kept_count_ == 0) return;
    // The oldest kept message takes the slot just freed: it comes after every copied one.
    const KeptMessage& kept = kept_[kept_head_];
    copy_to_slot({kept.topic, kept.topic_length}, kept.payload, kept.payload_length);
    returned = kept.loan;
    kept_head_ = (kept_head_ + 1) % kInboxKeptMessages;
    --kept_count_;
  }
  returned.release(returned.owner, returned.topic);  // outside the lock: it frees Paho's memory
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

std::size_t Inbox::take_refused() {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t n = refused_;
  refused_ = 0;
  return n;
}

}  // namespace door::agent
