#include "agent/event_forwarder.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::agent {

namespace {

using port::Level;
using port::log;

// An event in flight that is not acknowledged within this is sent again (with the ones after it):
// its acknowledgement was lost, or the MQTT client could not queue the next one.
constexpr int64_t kAckTimeoutMs = 30000;
constexpr int64_t kQueueRetryMs = 1000;

// The "event" member of an event the door core wrote: its name, the message's eventType.
std::string_view event_type(std::string_view text) {
  constexpr std::string_view kMember = R"("event":")";
  const std::size_t at = text.find(kMember);
  if (at == std::string_view::npos) return {};
  const std::size_t from = at + kMember.size();
  const std::size_t to = text.find('"', from);
  return to == std::string_view::npos ? std::string_view{} : text.substr(from, to - from);
}

}  // namespace

EventForwarder::~EventForwarder() {
  if (syncer_registered_) loop_.remove_fd(syncer_.event_fd(), &synced_handler_);
}

port::Status EventForwarder::start(const std::string& path, std::size_t capacity) {
  const port::Result<port::TimerId> timer = loop_.add_timer(&ack_handler_);
  if (!timer.is_ok()) return timer.status();
  ack_timer_ = timer.value();
  const port::Result<port::TimerId> pace = loop_.add_timer(&pace_handler_);
  if (!pace.is_ok()) return pace.status();
  pace_timer_ = pace.value();
  const port::Status added = loop_.add_fd(syncer_.event_fd(), EPOLLIN, &synced_handler_);
  if (!added.is_ok()) return added;
  syncer_registered_ = true;
  if (path.empty()) return port::Status::ok();
  const port::Status opened = journal_.open(path, capacity);
  if (!opened.is_ok()) {
    log(Level::error, "%s; door events are sent only while online", opened.reason());
    set_problem(opened);
    return port::Status::ok();
  }
  // What an earlier run appended reached the kernel: a crash of the agent does not lose it. It is
  // synced once more now, which also starts the syncer's thread before the first event.
  durable_next_ = journal_.next_seq();
  send_next_ = journal_.first_pending();
  syncer_.request(journal_.fd(), durable_next_);
  return port::Status::ok();
}

void EventForwarder::set_capacity(std::size_t capacity) {
  if (!journal_.is_open() || capacity == journal_.capacity()) return;
  syncer_.wait_idle();  // the syncer must not hold the descriptor being replaced
  const port::Status resized = journal_.resize(capacity);
  if (!resized.is_ok()) {
    log(Level::error, "%s; keeping %zu events", resized.reason(), journal_.capacity());
    set_problem(resized);
    return;
  }
  durable_next_ = journal_.next_seq();
  send_next_ = std::max(send_next_, journal_.first_pending());
  changed_ = true;
}

void EventForwarder::set_problem(const port::Status& status) {
  std::snprintf(problem_, sizeof problem_, "%s", status.reason());
  changed_ = true;
}

void EventForwarder::post(std::string_view body) {
  if (journal_.is_open()) {
    const port::Result<uint64_t> appended = journal_.append(body);
    if (appended.is_ok()) return;
    log(Level::error, "door event not journalled: %s", appended.status().reason());
    set_problem(appended.status());
  }
  send_live(body);
}

void EventForwarder::send_live(std::string_view body) {
  port::TextWriter topic(topic_, sizeof topic_);
  if (online_ && dialect_.format_event_topic(topic, event_type(body)).is_ok() &&
      publisher_.publish(topic.c_str(), body, 1, false).is_ok()) {
    return;
  }
  ++lost_;
  changed_ = true;
  log(Level::warning, "door event lost: no journal and not online (%llu lost so far)",
      static_cast<unsigned long long>(lost_));
}

void EventForwarder::flush() {
  if (!journal_.is_open() || journal_.next_seq() <= durable_next_ ||
      journal_.next_seq() <= sync_asked_next_) {
    return;
  }
  sync_asked_next_ = journal_.next_seq();
  syncer_.request(journal_.fd(), sync_asked_next_);
}

void EventForwarder::flush_now() {
  if (!journal_.is_open()) return;
  syncer_.wait_idle();
  if (fdatasync(journal_.fd()) != 0) {
    log(Level::error, "stopping: the event journal could not be made durable: %s",
        std::strerror(errno));
  }
  durable_next_ = journal_.next_seq();
  for (std::size_t i = 0; i < kEventsInFlight; ++i) {
    loop_.cancel_timer(pace_timer_);  // the stop does not wait for the pace
    pump();
  }
  // One window goes out before the offline announcement; the rest wait for the next start, so the
  // stop is not held by a backlog. Acknowledgements of the window are still recorded.
  stopping_ = true;
}

void EventForwarder::on_synced(uint32_t) {
  port::FileSyncer::Finished finished;
  if (!syncer_.take_finished(finished)) return;
  if (finished.error != 0) {
    // The events are in the kernel's cache: sent, they reach the service even so.
    const port::Status failed = port::Status::system_error(
        port::Status::Code::io_error, finished.error, "the event journal is not durable");
    log(Level::error, "%s", failed.reason());
    set_problem(failed);
  } else if (problem_[0] != '\0' && journal_.is_open()) {
    problem_[0] = '\0';
    changed_ = true;
  }
  durable_next_ = std::max(durable_next_, finished.mark);
  pump();
}

void EventForwarder::on_online() {
  online_ = true;
  in_flight_count_ = 0;
  tell_drops();
  send_next_ = journal_.first_pending();
  pump();
}

void EventForwarder::on_offline() {
  online_ = false;
  in_flight_count_ = 0;
  loop_.cancel_timer(ack_timer_);
}

void EventForwarder::tell_drops() {
  if (!journal_.is_open() || journal_.unreported_drops().empty()) return;
  char at[32] = "";
  if (!port::wall_clock_unset() && !port::format_utc(port::wall_seconds(), at, sizeof at).is_ok()) {
    at[0] = '\0';
  }
  const DroppedRange range = journal_.unreported_drops();
  const port::Result<uint64_t> told = journal_.append_drop_notice(at);
  if (!told.is_ok()) {
    log(Level::error, "the eventsDropped event was not journalled: %s", told.status().reason());
    return;
  }
  log(Level::warning, "the full event journal dropped events %llu to %llu; told in event %llu",
      static_cast<unsigned long long>(range.from), static_cast<unsigned long long>(range.to),
      static_cast<unsigned long long>(told.value()));
  flush();
}

void EventForwarder::on_delivery(const Delivery& delivery) {
  std::size_t i = 0;
  while (i < in_flight_count_ && in_flight_[i].token != delivery.token) ++i;
  if (i == in_flight_count_) return;  // from an earlier connection, or a live event
  if (!delivery.delivered) {
    // The client gave it up (its connection ended): it and those after it are sent again.
    in_flight_count_ = 0;
    send_next_ = journal_.first_pending();
    loop_.arm_timer(ack_timer_, kQueueRetryMs);
    return;
  }
  journal_.acknowledge(in_flight_[i].seq);
  for (std::size_t j = i + 1; j < in_flight_count_; ++j) in_flight_[j - 1] = in_flight_[j];
  --in_flight_count_;
  loop_.cancel_timer(ack_timer_);
  if (in_flight_count_ > 0) loop_.arm_timer(ack_timer_, kAckTimeoutMs);
  pump();
}

void EventForwarder::pump() {
  if (!online_ || stopping_ || !journal_.is_open()) return;
  send_next_ = std::max(send_next_, journal_.first_pending());
  while (in_flight_count_ < kEventsInFlight && send_next_ < durable_next_ &&
         send_next_ < journal_.next_seq() && !loop_.timer_armed(pace_timer_)) {
    const uint64_t seq = send_next_;
    const port::Result<std::string_view> text = journal_.read(seq, event_);
    if (!text.is_ok() && text.status().code() == port::Status::Code::io_error) {
      // The card did not answer this time: the event stays, and is read again shortly.
      log(Level::error, "%s; trying again", text.status().reason());
      loop_.arm_timer(pace_timer_, kQueueRetryMs);
      return;
    }
    if (!text.is_ok()) {
      // Torn by a power cut before it was durable: it was never sent, and never can be.
      log(Level::error, "door event %llu is torn in the journal; counted as dropped",
          static_cast<unsigned long long>(seq));
      journal_.discard(seq);
      ++send_next_;
      continue;
    }
    port::TextWriter topic(topic_, sizeof topic_);
    if (!dialect_.format_event_topic(topic, event_type(text.value())).is_ok()) {
      log(Level::error, "door event %llu has no topic; counted as dropped",
          static_cast<unsigned long long>(seq));
      journal_.discard(seq);
      ++send_next_;
      continue;
    }
    const port::Result<int> token = publisher_.publish_tracked(topic.c_str(), text.value());
    if (!token.is_ok()) {
      // The client's queue is full: try again shortly, or when an acknowledgement frees room.
      if (!loop_.timer_armed(ack_timer_)) loop_.arm_timer(ack_timer_, kQueueRetryMs);
      return;
    }
    in_flight_[in_flight_count_++] = InFlight{seq, token.value()};
    ++send_next_;
    loop_.arm_timer(pace_timer_, kEventPaceMs);
    if (!loop_.timer_armed(ack_timer_)) loop_.arm_timer(ack_timer_, kAckTimeoutMs);
  }
}

void EventForwarder::on_ack_timer() {
  if (!online_) return;
  if (in_flight_count_ > 0) {
    log(Level::warning, "door events unacknowledged for %lld s; sending again from %llu",
        static_cast<long long>(kAckTimeoutMs / 1000),
        static_cast<unsigned long long>(journal_.first_pending()));
    in_flight_count_ = 0;
    send_next_ = journal_.first_pending();
  }
  pump();
}

void EventForwarder::describe(port::TextWriter& out, bool patch) const {
  out.add(R"({"capacity":)")
      .add_int(static_cast<int64_t>(journal_.is_open() ? journal_.capacity() : 0))
      .add(R"(,"dropped":)")
      .add_int(static_cast<int64_t>(journal_.dropped_total()));
  if (lost_ > 0) out.add(R"(,"lost":)").add_int(static_cast<int64_t>(lost_));
  if (problem_[0] != '\0') {
    out.add(R"(,"problem":")").add_json_escaped(problem_).add('"');
  } else if (patch) {
    out.add(R"(,"problem":null)");
  }
  out.add('}');
}

bool EventForwarder::take_changed() {
  const bool changed = report_due();
  changed_ = false;
  described_dropped_ = journal_.dropped_total();
  return changed;
}

}  // namespace door::agent
