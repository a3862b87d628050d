#pragma once
// Store and forward for door events: each event the door core posts is appended to the journal,
// made durable on the syncer's thread (the loop never waits for the card), and sent at QoS 1 in
// sequence order once the session is online, kEventsInFlight at a time and one every kEventPaceMs
// at most, the next as each is acknowledged; an acknowledged event leaves the journal. An outage of
// hours replays in order and paced, so method calls meanwhile are answered as promptly as when
// idle. Without a journal (it could not be opened) events are sent live while online and counted as
// lost while not. The journal's figures and problem are reported ("eventJournal").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/dialect.hpp"
#include "agent/event_journal.hpp"
#include "agent/inbox.hpp"
#include "agent/publisher.hpp"
#include "port/event_loop.hpp"
#include "port/file_syncer.hpp"
#include "port/member_handler.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

class EventForwarder {
 public:
  EventForwarder(port::EventLoop& loop, const Dialect& dialect, TrackedPublisher& publisher)
      : loop_(loop), dialect_(dialect), publisher_(publisher) {}
  ~EventForwarder();
  EventForwarder(const EventForwarder&) = delete;
  EventForwarder& operator=(const EventForwarder&) = delete;

  // Reserves the timer and the syncer's descriptor, and opens the journal at path ("" for none);
  // a journal that cannot be opened is reported and the events go live only.
  [[nodiscard]] port::Status start(const std::string& path, std::size_t capacity);
  // A desired eventJournalCapacity: the journal is laid out again.
  void set_capacity(std::size_t capacity);

  // A door event from the outbox ({"event":...}): journalled, then sent once durable.
  void post(std::string_view body);
  // After the outbox is drained: what was appended is made durable (on the syncer's thread).
  void flush();
  // The session is up and subscribed: sending starts from the oldest unacknowledged event.
  void on_online();
  // The session ended: events in flight are sent again on the next connect.
  void on_offline();
  void on_delivery(const Delivery& delivery);
  // Clean stop: what was appended is made durable now (the loop waits for it) and one window of it
  // sent; nothing more is sent, and the journal stays open for the acknowledgements that follow.
  void flush_now();

  // The reported "eventJournal" member (patch: for a reported PATCH, where null deletes a member
  // no longer there), and whether it changed since the last call.
  void describe(port::TextWriter& out, bool patch) const;
  bool report_due() const { return changed_ || described_dropped_ != journal_.dropped_total(); }
  bool take_changed();
  const EventJournal& journal() const { return journal_; }

 private:
  struct InFlight {
    uint64_t seq;
    int token;
  };
  // Sends while fewer than kEventsInFlight are out and durable events wait.
  void pump();
  void send_live(std::string_view body);
  void set_problem(const port::Status& status);
  void on_synced(uint32_t events);
  void on_ack_timer();
  void on_pace_timer() { pump(); }
  // Events the journal must tell it dropped, once online.
  void tell_drops();

  port::EventLoop& loop_;
  const Dialect& dialect_;
  TrackedPublisher& publisher_;
  EventJournal journal_;
  port::FileSyncer syncer_;
  bool syncer_registered_ = false;
  bool online_ = false;
  bool stopping_ = false;
  uint64_t durable_next_ = 1;  // events below this are on the card
  uint64_t sync_asked_next_ = 0;
  uint64_t send_next_ = 1;
  InFlight in_flight_[kEventsInFlight];
  std::size_t in_flight_count_ = 0;
  uint64_t lost_ = 0;  // without a journal, while offline
  bool changed_ = true;
  uint64_t described_dropped_ = 0;
  char problem_[port::kStatusReasonBytes] = "";
  char event_[kJournalSlotBytes];
  char topic_[kMaxTopicLength + 1];
  port::MemberFd<EventForwarder, &EventForwarder::on_synced> synced_handler_{*this};
  port::MemberTimer<EventForwarder, &EventForwarder::on_ack_timer> ack_handler_{*this};
  port::TimerId ack_timer_ = port::kNoTimer;
  port::MemberTimer<EventForwarder, &EventForwarder::on_pace_timer> pace_handler_{*this};
  port::TimerId pace_timer_ = port::kNoTimer;
};

}  // namespace door::agent
