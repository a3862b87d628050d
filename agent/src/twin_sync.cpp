#include "agent/twin_sync.hpp"

#include <iterator>

#include "agent/twin_answer.hpp"
#include "port/json_object_writer.hpp"
#include "port/log.hpp"

namespace door::agent {

namespace {

using port::Level;
using port::log;

// IoT Hub answers a twin GET or a reported PATCH within seconds; past these it is asked again.
constexpr int64_t kTwinGetTimeoutMs = 10000;
constexpr int64_t kReportTimeoutMs = 30000;
// Changes within this window go out as one report.
constexpr int64_t kReportCoalesceMs = 20;
// A state file that cannot be written (a full or failing file system) is tried again from about a
// second up to every minute: soon after space is freed, without spinning on a broken disk.
constexpr int64_t kSaveRetryMinMs = 1000;
constexpr int64_t kSaveRetryMaxMs = 60000;

}  // namespace

TwinSync::TwinSync(port::EventLoop& loop, const Dialect& dialect, Outbox& outbox, Twin& twin,
                   const ReportSnapshot& door, const ReportSnapshot& events)
    : loop_(loop),
      dialect_(dialect),
      outbox_(outbox),
      twin_(twin),
      door_(door),
      events_(events),
      retry_(hub_request_backoff(random_)),
      save_retry_(kSaveRetryMinMs, kSaveRetryMaxMs, random_, kSaveRetryMinMs) {}

port::Status TwinSync::start() {
  const port::Result<port::TimerId> get = loop_.add_timer(&get_handler_);
  if (!get.is_ok()) return get.status();
  const port::Result<port::TimerId> report = loop_.add_timer(&report_handler_);
  if (!report.is_ok()) return report.status();
  const port::Result<port::TimerId> save = loop_.add_timer(&save_handler_);
  if (!save.is_ok()) return save.status();
  get_timer_ = get.value();
  report_timer_ = report.value();
  save_timer_ = save.value();
  return port::Status::ok();
}

void TwinSync::next_rid(char (&rid)[kMaxOwnRequestIdLength + 1]) {
  port::TextWriter(rid, sizeof rid).add_uint(next_rid_++);
}

void TwinSync::on_subscribed() {
  connected_ = true;
  ready_ = false;
  dirty_ = true;  // the service gets the full picture after every connect
  if (!send_get().is_ok())
    became_ready();  // a broker: the desired document comes with the subscription
}

void TwinSync::on_disconnected() {
  connected_ = false;
  report_posted_ = false;
  ready_ = false;
  get_in_flight_ = false;
  report_in_flight_ = false;
  loop_.cancel_timer(get_timer_);
  loop_.cancel_timer(report_timer_);
}

void TwinSync::became_ready() {
  ready_ = true;
  retry_.reset();
  log(Level::notice, "ready: desired properties reconciled at version %lld",
      static_cast<long long>(twin_.version()));
  mark_dirty();
}

port::Status TwinSync::send_get() {
  next_rid(get_rid_);
  port::TextWriter topic(topic_, sizeof topic_);
  const port::Status formatted = dialect_.format_twin_get(topic, get_rid_);
  if (!formatted.is_ok()) return formatted;
  newest_patch_seen_ = -1;
  // In flight once the runtime has published it (on_get_sent); the timeout covers both.
  get_in_flight_ = outbox_.post_twin_get(topic.view()).is_ok();
  loop_.arm_timer(get_timer_, get_in_flight_ ? kTwinGetTimeoutMs : retry_.next_delay_ms());
  return port::Status::ok();
}

void TwinSync::on_get_sent(bool sent) {
  if (sent || !get_in_flight_) return;
  get_in_flight_ = false;
  loop_.arm_timer(get_timer_, retry_.next_delay_ms());
}

void TwinSync::on_get_timer() {
  if (!connected_ || ready_) return;
  if (get_in_flight_)
    log(Level::warning, "twin GET unanswered after %lld s; asking again",
        static_cast<long long>(kTwinGetTimeoutMs / 1000));
  if (!send_get().is_ok()) became_ready();  // no twin GET in this dialect: nothing to wait for
}

void TwinSync::mark_dirty() {
  dirty_ = true;
  if (connected_ && ready_ && !report_in_flight_ && !report_posted_ &&
      !loop_.timer_armed(report_timer_)) {
    loop_.arm_timer(report_timer_, kReportCoalesceMs);
  }
}

void TwinSync::on_report_timer() {
  if (!connected_ || !ready_) return;
  if (report_in_flight_) {
    log(Level::warning, "reported properties unconfirmed after %lld s; sending again",
        static_cast<long long>(kReportTimeoutMs / 1000));
    report_in_flight_ = false;
    dirty_ = true;
  }
  if (dirty_ && !report_posted_) send_report();
}

void TwinSync::send_report() {
  const bool patches = dialect_.reports_are_patches();
  port::TextWriter doc(report_, sizeof report_);
  // The device's own members first: a key of the same name can never displace them.
  std::string_view names[kMaxDesiredAcks + 3];
  port::JsonObjectWriter report(doc, names, std::size(names));
  if (report.member("door").is_ok()) doc.add(door_.json());
  if (!events_.json().empty() && report.member("eventJournal").is_ok()) doc.add(events_.json());
  if (report.member("agent").is_ok()) {
    doc.add(R"({"version":")" DOOR_AGENT_VERSION R"(","desiredVersion":)")
        .add_int(twin_.version())
        .add('}');
  }
  const bool acks_fit = twin_.add_acks(report, patches).is_ok();
  next_rid(report_rid_);
  port::TextWriter topic(topic_, sizeof topic_);
  if (!acks_fit || !report.close().is_ok() ||
      !dialect_.format_reported(topic, report_rid_).is_ok()) {
    log(Level::error, "reported properties do not fit in %zu bytes; not sent", sizeof report_);
    return;
  }
  if (!outbox_.post_report(topic.view(), doc.view(), !patches).is_ok()) {
    loop_.arm_timer(report_timer_, retry_.next_delay_ms());
    return;
  }
  dirty_ = false;  // a change from now on needs another report
  report_posted_ = true;
}

void TwinSync::on_report_sent(bool sent) {
  if (!report_posted_) return;
  report_posted_ = false;
  if (!sent) {
    dirty_ = true;
    loop_.arm_timer(report_timer_, retry_.next_delay_ms());
    return;
  }
  const bool patches = dialect_.reports_are_patches();
  if (patches) {
    report_in_flight_ = true;
    loop_.arm_timer(report_timer_, kReportTimeoutMs);
  } else {
    twin_.forget_deleted();    // the full document no longer has them
    if (dirty_) mark_dirty();  // changed while the report waited to be published
  }
}

void TwinSync::on_twin_response(int status, std::string_view rid, std::string_view payload) {
  if (get_in_flight_ && rid == get_rid_) {
    get_in_flight_ = false;
    loop_.cancel_timer(get_timer_);
    if (status != 200) {
      if (!hub_retries(status)) {
        log(Level::error, "twin GET refused with %d; not asking again before the next connect",
            status);
        return;
      }
      const int64_t delay = retry_.next_delay_ms();
      log(Level::warning, "twin GET answered %d; asking again in %.1f s", status,
          static_cast<double>(delay) / 1000.0);
      loop_.arm_timer(get_timer_, delay);
      return;
    }
    const Twin::Outcome outcome = apply_twin_answer(payload);
    if (outcome == Twin::Outcome::malformed || outcome == Twin::Outcome::not_saved) {
      // Not reconciled: the desired properties in force may be stale.
      const int64_t delay = retry_.next_delay_ms();
      log(Level::warning, "twin GET answer not applied; asking again in %.1f s",
          static_cast<double>(delay) / 1000.0);
      loop_.arm_timer(get_timer_, delay);
      return;
    }
    after_apply(outcome);
    if (newest_patch_seen_ > twin_.newest_version()) {
      // A change arrived while the GET was under way and is newer than its answer.
      if (!send_get().is_ok()) became_ready();
      return;
    }
    became_ready();
    return;
  }
  if (report_in_flight_ && rid == report_rid_) {
    report_in_flight_ = false;
    loop_.cancel_timer(report_timer_);
    if (status == 200 || status == 204) {
      retry_.reset();
      twin_.forget_deleted();
      if (dirty_) mark_dirty();
    } else if (hub_retries(status)) {
      dirty_ = true;
      const int64_t delay = retry_.next_delay_ms();
      log(Level::warning, "reported properties answered %d; sending again in %.1f s", status,
          static_cast<double>(delay) / 1000.0);
      loop_.arm_timer(report_timer_, delay);
    } else {
      log(Level::error, "reported properties refused with %d", status);
    }
    return;
  }
  log(Level::debug, "twin response %d for rid %.*s that nothing waits for", status,
      static_cast<int>(rid.size()), rid.data());
}

Twin::Outcome TwinSync::apply_twin_answer(std::string_view payload) {
  port::TextWriter desired(answer_, sizeof answer_);
  switch (reduce_twin_answer(payload, desired)) {
    case TwinAnswer::reduced: return twin_.apply(desired.view(), DesiredSource::twin_response, -1);
    case TwinAnswer::unreadable: return twin_.apply(payload, DesiredSource::twin_response, -1);
    case TwinAnswer::desired_too_large: break;
  }
  // Asking again would bring the same answer: carry on with what the agent has.
  log(Level::error,
      "twin GET answer: its desired properties are over IoT Hub's limit (%zu bytes); keeping "
      "version %lld",
      kMaxDesiredMessageBytes, static_cast<long long>(twin_.version()));
  return Twin::Outcome::stale;
}

void TwinSync::on_twin_response_too_large(int status, std::string_view rid) {
  if (status != 200 || !get_in_flight_ || rid != get_rid_) {
    on_twin_response(status, rid, {});  // only a GET's 200 answer has a body the agent needs
    return;
  }
  // Asking again would bring the same answer: carry on with what the agent has.
  get_in_flight_ = false;
  loop_.cancel_timer(get_timer_);
  log(Level::error, "twin GET answered %d over IoT Hub's limits; keeping version %lld", status,
      static_cast<long long>(twin_.version()));
  became_ready();
}

void TwinSync::on_desired(bool full_document, int64_t version, std::string_view payload) {
  if (full_document && payload.empty()) return;  // a cleared retained document
  if (get_in_flight_) {
    // The GET's answer includes every change up to its version; a newer one asks again.
    if (version > newest_patch_seen_) newest_patch_seen_ = version;
    return;
  }
  after_apply(twin_.apply(payload, full_document ? DesiredSource::document : DesiredSource::patch,
                          version));
}

void TwinSync::after_apply(Twin::Outcome outcome) {
  if (outcome == Twin::Outcome::applied) {
    save_retry_.reset();
    loop_.cancel_timer(save_timer_);
    mark_dirty();
  } else if (outcome == Twin::Outcome::save_pending) {
    mark_dirty();  // the acknowledgements say 500 and why
    if (!loop_.timer_armed(save_timer_)) loop_.arm_timer(save_timer_, save_retry_.next_delay_ms());
  }
}

void TwinSync::on_save_timer() {
  const Twin::Outcome outcome = twin_.retry_save();
  if (outcome == Twin::Outcome::save_pending) {
    loop_.arm_timer(save_timer_, save_retry_.next_delay_ms());
    return;
  }
  after_apply(outcome);
}

}  // namespace door::agent
