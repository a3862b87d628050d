#include "agent/output_publisher.hpp"

#include "port/log.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

bool OutputPublisher::drain(DoorCore& core) {
  Outbox& outbox = core.outbox();
  while (const Output* output = outbox.peek()) {
    if (output->kind == OutputKind::method_answer) {
      publish_answer(*output);
    } else {
      events_.post(output->body_view());
    }
    outbox.pop();
  }
  events_.flush();
  report_events(core);
  if (const TwinRequest* get = outbox.take_twin_get()) {
    core.twin_sync().on_get_sent(
        publisher_.publish(get->topic, get->body, get->qos, false).is_ok());
  }
  if (outbox.take_report_due()) core.twin_sync().mark_dirty();
  if (const TwinRequest* report = outbox.take_report()) {
    core.twin_sync().on_report_sent(
        publisher_.publish(report->topic, report->body, report->qos, report->retained).is_ok());
  }
  return outbox.take_settings_changed();
}

void OutputPublisher::publish_answer(const Output& answer) {
  port::log(answer.status < 400 ? port::Level::info : port::Level::warning,
            "method %s (rid %s): %d", answer.method, answer.rid, answer.status);
  port::TextWriter topic(topic_, sizeof topic_);
  if (!dialect_.format_method_response(topic, answer.status, answer.rid_view()).is_ok()) {
    port::log(port::Level::error, "cannot form the response topic for rid %s", answer.rid);
    return;
  }
  const std::string_view body = answer.body_length > 0 ? answer.body_view() : "{}";
  if (!publisher_.publish(topic.c_str(), body, 1, false).is_ok()) {
    // The caller's request times out (IoT Hub: 504); a later answer would come too late to help.
    ++unsent_answers_;
    port::log(port::Level::error,
              "method %s (rid %s): the %d response could not be sent (%zu unsent so far)",
              answer.method, answer.rid, answer.status, unsent_answers_);
  }
}

void OutputPublisher::report_events(DoorCore& core) {
  if (!events_.take_changed()) return;
  port::TextWriter figures = core.events_snapshot().writer();
  events_.describe(figures, dialect_.reports_are_patches());
  core.events_snapshot().commit(figures);
  core.twin_sync().mark_dirty();
}

}  // namespace door::agent
