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

// Over a slot but within the largest message the agent reads: kept in the producer's memory.
bool lendable(std::size_t payload_length, const Loan& loan) {
  return loan.release != nullptr && payload_length > kMaxPayloadBytes &&
         payload_length <= kMaxTwinResponseBytes;
}

void give_back(const Loan& loan) {
  if (loan.release != nullptr) loan.release(loan.owner, loan.topic);
}
}  // namespace

Inbox::~Inbox() {
  for (; message_count_ > 0; --message_count_, message_head_ = (message_head_ + 1) % kInboxSlots) {
    give_back(messages_[message_head_].loan);
  }
  for (; kept_count_ > 0; --kept_count_, kept_head_ = (kept_head_ + 1) % kInboxKeptMessages) {
    give_back(kept_[kept_head_].loan);
  }
}

bool Inbox::fill_slot(std::string_view topic, const void* payload, std::size_t payload_length,
                      const Loan& loan, RetainFlag retain) {
  InboxMessage& m = messages_[(message_head_ + message_count_) % kInboxSlots];
  ++message_count_;
  m.retain = retain;
  m.topic_too_long = topic.size() > kMaxTopicLength;
  m.topic_length = copy_text(m.topic, sizeof m.topic, topic);
  m.payload_length = payload_length;
  m.lent_payload = nullptr;
  m.loan = Loan{};
  if (lendable(payload_length, loan)) {
    m.payload_too_large = false;
    m.lent_payload = static_cast<const char*>(payload);
    m.loan = loan;
    return true;
  }
  m.payload_too_large = payload_length > kMaxPayloadBytes;
  if (!m.payload_too_large && payload_length > 0) std::memcpy(m.payload, payload, payload_length);
  return false;
}

Inbox::Taken Inbox::push_message(std::string_view topic, const void* payload,
                                 std::size_t payload_length, const Loan& loan, RetainFlag retain) {
  Taken taken = Taken::kept;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept_count_ == 0 && message_count_ < kInboxSlots) {
      if (!fill_slot(topic, payload, payload_length, loan, retain)) taken = Taken::copied;
    } else if (loan.release != nullptr && kept_count_ < kInboxKeptMessages) {
      kept_[(kept_head_ + kept_count_) % kInboxKeptMessages] =
          KeptMessage{topic.data(), topic.size(), payload, payload_length, loan, retain};
      ++kept_count_;
    } else {
      ++refused_;
      return Taken::refused;
    }
  }
  wake_.signal();
  return taken;
}

void Inbox::push_event(SessionEventKind kind, int code, std::string_view detail,
                       ConnectFailure failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (event_count_ == kSessionEventSlots) {
      ++dropped_;
      return;
    }
    SessionEvent& e = events_[(event_head_ + event_count_) % kSessionEventSlots];
    e.kind = kind;
    e.failure = failure;
    e.code = code;
    copy_text(e.detail, sizeof e.detail, detail);
    ++event_count_;
  }
  wake_.signal();
}

void Inbox::push_delivery(const Delivery& delivery) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (delivery_count_ == kEventAckSlots) {
      ++dropped_;
      return;
    }
    deliveries_[(delivery_head_ + delivery_count_) % kEventAckSlots] = delivery;
    ++delivery_count_;
  }
  wake_.signal();
}

bool Inbox::pop_delivery(Delivery& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (delivery_count_ == 0) return false;
  out = deliveries_[delivery_head_];
  delivery_head_ = (delivery_head_ + 1) % kEventAckSlots;
  --delivery_count_;
  return true;
}

const InboxMessage* Inbox::peek_message() {
  std::lock_guard<std::mutex> lock(mutex_);
  return message_count_ == 0 ? nullptr : &messages_[message_head_];
}

void Inbox::release_message() {
  Loan handled{};  // the loan of the message just handled, if it had one
  Loan copied{};   // the loan of a kept message now copied into a slot
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (message_count_ == 0) return;
    handled = messages_[message_head_].loan;
    message_head_ = (message_head_ + 1) % kInboxSlots;
    --message_count_;
    if (kept_count_ > 0) {
      // The oldest kept message takes the slot just freed: it comes after every slot's message.
      const KeptMessage& kept = kept_[kept_head_];
      if (!fill_slot({kept.topic, kept.topic_length}, kept.payload, kept.payload_length, kept.loan,
                     kept.retain)) {
        copied = kept.loan;
      }
      kept_head_ = (kept_head_ + 1) % kInboxKeptMessages;
      --kept_count_;
    }
  }
  // Outside the lock: these free Paho's memory.
  give_back(handled);
  give_back(copied);
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
