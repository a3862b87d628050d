#include "agent/outbox.hpp"

#include <cstring>

namespace door::agent {

namespace {

// Copies text into a fixed field; false when it does not fit (never cut).
bool copy_field(char* field, std::size_t capacity, std::string_view text) {
  if (text.size() >= capacity) return false;
  if (!text.empty()) std::memcpy(field, text.data(), text.size());  // an empty view may be null
  field[text.size()] = '\0';
  return true;
}

}  // namespace

port::Status Outbox::post(OutputKind kind, std::string_view rid, std::string_view method,
                          int status, std::string_view body) {
  if (body.size() > kOutboxPayloadBytes) return port::Status::too_large();
  for (std::size_t i = 0; i < kOutboxSlots; ++i) {
    if (used_[i]) continue;
    Output& slot = slots_[i];
    if (!copy_field(slot.rid, sizeof slot.rid, rid) ||
        !copy_field(slot.method, sizeof slot.method, method)) {
      return port::Status::invalid();
    }
    slot.kind = kind;
    slot.status = status;
    slot.body_length = body.size();
    if (!body.empty()) std::memcpy(slot.body, body.data(), body.size());
    sequence_[i] = next_sequence_++;
    used_[i] = true;
    ++count_;
    return port::Status::ok();
  }
  return port::Status::full();
}

port::Status Outbox::post_answer(std::string_view rid, std::string_view method, int status,
                                 std::string_view body) {
  return post(OutputKind::method_answer, rid, method, status, body);
}

port::Status Outbox::post_event(std::string_view body) {
  return post(OutputKind::telemetry_event, {}, {}, 0, body);
}

std::size_t Outbox::next_slot() const {
  std::size_t oldest_answer = kOutboxSlots;
  std::size_t oldest = kOutboxSlots;
  for (std::size_t i = 0; i < kOutboxSlots; ++i) {
    if (!used_[i]) continue;
    if (oldest == kOutboxSlots || sequence_[i] < sequence_[oldest]) oldest = i;
    if (slots_[i].kind == OutputKind::method_answer &&
        (oldest_answer == kOutboxSlots || sequence_[i] < sequence_[oldest_answer])) {
      oldest_answer = i;
    }
  }
  return oldest_answer != kOutboxSlots ? oldest_answer : oldest;
}

port::Status Outbox::post_twin_get(std::string_view topic) {
  if (!copy_field(twin_get_.topic, sizeof twin_get_.topic, topic)) return port::Status::too_large();
  twin_get_.body = {};
  twin_get_.qos = 0;
  twin_get_.retained = false;
  twin_get_due_ = true;
  return port::Status::ok();
}

port::Status Outbox::post_report(std::string_view topic, std::string_view body, bool retained) {
  if (!copy_field(report_.topic, sizeof report_.topic, topic)) return port::Status::too_large();
  report_.body = body;
  report_.qos = 1;
  report_.retained = retained;
  report_waiting_ = true;
  return port::Status::ok();
}

const Output* Outbox::peek() const {
  if (count_ == 0) return nullptr;
  return &slots_[next_slot()];
}

void Outbox::pop() {
  if (count_ == 0) return;
  used_[next_slot()] = false;
  --count_;
}

}  // namespace door::agent
