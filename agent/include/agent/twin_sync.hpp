#pragma once
// Keeps the twin in step with the service: after every connect it reconciles (IoT Hub: a twin GET,
// answered or retried; broker: the retained desired document that comes with the subscription),
// applies desired changes (a change the state file could not take is saved again with backoff
// until it is), and sends reported properties: coalesced, and with IoT Hub tracked to their 204
// and retried on 429 and 5xx. Its GETs and reports are posted to the outbox; the runtime publishes
// them and says whether they went out.
#include <cstdint>
#include <string_view>

#include "agent/backoff.hpp"
#include "agent/capacities.hpp"
#include "agent/dialect.hpp"
#include "agent/message_handler.hpp"
#include "agent/report_snapshot.hpp"
#include "agent/twin.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "port/random.hpp"

namespace door::agent {

class TwinSync final : public TwinListener {
 public:
  // door and events: the "door" and "eventJournal" members of the report.
  TwinSync(port::EventLoop& loop, const Dialect& dialect, Outbox& outbox, Twin& twin,
           const ReportSnapshot& door, const ReportSnapshot& events);

  port::Status start();
  // Subscribed after a connect: fetch (IoT Hub) and report. ready() turns true once reconciled.
  void on_subscribed();
  void on_disconnected();
  bool ready() const { return ready_; }
  // Something in the reported document changed (an applied key, the door state).
  void mark_dirty();

  // The runtime published (sent true) or could not publish the GET or report posted last.
  void on_get_sent(bool sent);
  void on_report_sent(bool sent);

  void on_twin_response(int status, std::string_view rid, std::string_view payload) override;
  void on_twin_response_too_large(int status, std::string_view rid) override;
  void on_desired(bool full_document, int64_t version, std::string_view payload) override;

 private:
  // Unavailable when the dialect has no twin GET. A GET the outbox refuses is retried by its
  // timer, so it is not a failure here.
  port::Status send_get();
  void send_report();
  // A 200 answer to the twin GET: its desired part, without the reported part, goes to the twin.
  Twin::Outcome apply_twin_answer(std::string_view payload);
  void became_ready();
  void next_rid(char (&rid)[kMaxOwnRequestIdLength + 1]);
  void on_get_timer();
  void on_report_timer();
  // After a change was applied or could not be saved.
  void after_apply(Twin::Outcome outcome);
  void on_save_timer();

  port::EventLoop& loop_;
  const Dialect& dialect_;
  Outbox& outbox_;
  Twin& twin_;
  const ReportSnapshot& door_;  // the door's state, read when a report is built
  const ReportSnapshot& events_;
  port::JitterRandom random_;
  Backoff retry_;
  Backoff save_retry_;  // a state file that cannot be written: tried again until it can
  bool connected_ = false;
  bool ready_ = false;
  bool dirty_ = false;
  bool report_in_flight_ = false;
  bool report_posted_ = false;  // in the outbox, not yet published
  bool get_in_flight_ = false;
  int64_t newest_patch_seen_ = -1;  // while a GET is under way
  uint64_t next_rid_ = 1;
  char get_rid_[kMaxOwnRequestIdLength + 1] = {};
  char report_rid_[kMaxOwnRequestIdLength + 1] = {};
  char topic_[kMaxTopicLength + 1];
  char report_[kMaxReportedBytes];
  char answer_[kMaxDesiredMessageBytes + 16];  // {"desired":...} from a twin GET answer

  port::MemberTimer<TwinSync, &TwinSync::on_get_timer> get_handler_{*this};
  port::MemberTimer<TwinSync, &TwinSync::on_report_timer> report_handler_{*this};
  port::MemberTimer<TwinSync, &TwinSync::on_save_timer> save_handler_{*this};
  port::TimerId get_timer_ = port::kNoTimer;
  port::TimerId report_timer_ = port::kNoTimer;
  port::TimerId save_timer_ = port::kNoTimer;
};

}  // namespace door::agent
