#pragma once
// Hand-over from Paho's threads to the loop thread. Paho's callbacks copy what they receive into
// preallocated slots and signal the eventfd; the loop thread handles the slots. While every slot
// is taken, a message stays in the memory its producer lends (Paho's own copy) and moves into the
// first slot the loop frees: a message is never refused back to Paho, which would offer it again
// only when its next packet arrives (a keep-alive away). A payload larger than a slot (a twin GET
// answer) stays lent until the loop has handled it. Nothing here allocates after construction.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/session_types.hpp"
#include "port/event_fd.hpp"

namespace door::agent {

// Memory a producer lends the inbox for a message it cannot copy: release(owner, topic) gives it
// back once the message is copied into a slot or handled (or the inbox is destroyed). Loan{} lends
// nothing. No member initializers: the inbox's arrays of them stay untouched, and out of RSS,
// until used.
struct Loan {
  void* owner;
  void* topic;
  void (*release)(void* owner, void* topic);
};

// MQTT's retain flag as the broker delivered it: set on a message that comes from the broker's
// retained store (at each subscription, so at each connect), clear on a live one.
enum class RetainFlag : bool { clear, set };

struct InboxMessage {
  char topic[kMaxTopicLength + 1];
  std::size_t topic_length;
  char payload[kMaxPayloadBytes];
  // A payload over kMaxPayloadBytes (up to kMaxTwinResponseBytes, a twin GET answer) stays in its
  // producer's memory: lent_payload points there until the slot is released. Otherwise nullptr.
  const char* lent_payload;
  Loan loan;
  std::size_t payload_length;  // the original length, also when it did not fit
  bool topic_too_long;
  bool payload_too_large;  // payload neither copied nor lent; the caller answers 413 or logs
  RetainFlag retain;

  std::string_view topic_view() const { return {topic, topic_length}; }
  std::string_view payload_view() const {
    if (payload_too_large) return {};
    return {lent_payload != nullptr ? lent_payload : payload, payload_length};
  }
};

// The outcome of an event published with publish_tracked(): acknowledged by the server, or given
// up by the MQTT client (the connection ended first).
struct Delivery {
  int token;
  bool delivered;
};

struct SessionEvent {
  SessionEventKind kind;
  ConnectFailure failure;  // connect_failed: why
  int code;                // the server's code where it gave one (a refused subscription)
  char detail[kEventDetailLength];
};

class Inbox {
 public:
  explicit Inbox(port::EventFd& wake) : wake_(wake) {}
  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  enum class Taken {
    copied,   // the caller frees its message now
    kept,     // every slot is taken, or the payload is over a slot: the inbox keeps the loan
    refused,  // no slot and no loan, or kInboxKeptMessages already kept: the caller keeps it
  };
  // Any thread, never waits: waiting here would stall Paho, and with it the answers the loop
  // publishes meanwhile. Messages reach the loop in the order they were taken, with their retain
  // flag.
  [[nodiscard]] Taken push_message(std::string_view topic, const void* payload,
                                   std::size_t payload_length, const Loan& loan = {},
                                   RetainFlag retain = RetainFlag::clear);
  // Any thread. When the event queue is full the event is dropped and counted.
  void push_event(SessionEventKind kind, int code, std::string_view detail,
                  ConnectFailure failure = ConnectFailure::none);

  // Any thread. When the queue is full the outcome is dropped and counted; the event is then sent
  // again after the forwarder's acknowledgement timeout.
  void push_delivery(const Delivery& delivery);
  // Loop thread: pops the oldest outcome into out; false when none.
  bool pop_delivery(Delivery& out);
  // Loop thread: the oldest message, or nullptr. It stays valid until release_message().
  const InboxMessage* peek_message();
  void release_message();
  // Loop thread: pops the oldest event into out; false when none.
  bool pop_event(SessionEvent& out);
  // Loop thread: connection events dropped since the last call.
  std::size_t take_dropped();
  // Loop thread: messages refused since the last call.
  std::size_t take_refused();

 private:
  struct KeptMessage {
    const char* topic;
    std::size_t topic_length;
    const void* payload;
    std::size_t payload_length;
    Loan loan;
    RetainFlag retain;
  };

  // Fills the free slot after the last taken one, copying the payload or, when it is over a slot
  // and lent, keeping the loan; the caller holds the mutex. True when the slot keeps the loan.
  bool fill_slot(std::string_view topic, const void* payload, std::size_t payload_length,
                 const Loan& loan, RetainFlag retain);

  port::EventFd& wake_;
  std::mutex mutex_;
  InboxMessage messages_[kInboxSlots];
  std::size_t message_head_ = 0;
  std::size_t message_count_ = 0;
  KeptMessage kept_[kInboxKeptMessages];
  std::size_t kept_head_ = 0;
  std::size_t kept_count_ = 0;
  std::size_t refused_ = 0;
  SessionEvent events_[kSessionEventSlots];
  std::size_t event_head_ = 0;
  std::size_t event_count_ = 0;
  std::size_t dropped_ = 0;
  Delivery deliveries_[kEventAckSlots];
  std::size_t delivery_head_ = 0;
  std::size_t delivery_count_ = 0;
};

}  // namespace door::agent
