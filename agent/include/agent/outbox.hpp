#pragma once
// The one way out of the door core. Method handlers, the door's lock events and the twin engine
// post typed outputs here and return; the runtime alone drains the outbox after each message, timer
// or descriptor batch, encodes with the dialect and publishes. Nothing in the core calls up into
// the runtime or the session. Method answers drain before everything else, so a call's answer goes
// out before the telemetry it caused. Fixed slots, no allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/capacities.hpp"
#include "port/status.hpp"

namespace door::agent {

enum class OutputKind : uint8_t {
  method_answer,    // rid, method, status, body
  telemetry_event,  // body
};

// No member initializers: a slot's pages stay untouched, and out of RSS, until it is used.
struct Output {
  OutputKind kind;
  int status;
  char rid[protocol::kMaxRequestIdLength + 1];
  char method[protocol::kMaxMethodNameLength + 1];
  std::size_t body_length;
  char body[kOutboxPayloadBytes];

  std::string_view rid_view() const { return rid; }
  std::string_view method_view() const { return method; }
  std::string_view body_view() const { return {body, body_length}; }
};

// The twin engine's own request (a twin GET, or the reported properties): at most one of each
// waits at a time. The body stays in the twin engine's buffer until the runtime has published it.
struct TwinRequest {
  char topic[kMaxTopicLength + 1];
  std::string_view body;
  int qos;
  bool retained;
};

class Outbox {
 public:
  Outbox() = default;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // A method's answer. rid and method are those the topic parser validated.
  [[nodiscard]] port::Status post_answer(std::string_view rid, std::string_view method, int status,
                                         std::string_view body);
  // A door event for the telemetry topic.
  [[nodiscard]] port::Status post_event(std::string_view body);
  // Something in the reported document changed (the door state, an applied key); coalesced.
  void post_report_due() { report_due_ = true; }
  // The desired settings in force changed (the twin's settings()); coalesced.
  void post_settings_changed() { settings_changed_ = true; }
  // The twin engine's GET and report; the runtime tells it whether each went out
  // (TwinSync::on_get_sent, on_report_sent).
  [[nodiscard]] port::Status post_twin_get(std::string_view topic);
  [[nodiscard]] port::Status post_report(std::string_view topic, std::string_view body,
                                         bool retained);

  // Runtime: the next output, answers first, then the rest in the order posted; nullptr when
  // none. It stays valid until pop().
  const Output* peek() const;
  void pop();
  bool take_report_due() { return take(report_due_); }
  bool take_settings_changed() { return take(settings_changed_); }
  // The waiting twin GET or report, or nullptr; valid until the next post of its kind.
  const TwinRequest* take_twin_get() { return take(twin_get_due_) ? &twin_get_ : nullptr; }
  const TwinRequest* take_report() { return take(report_waiting_) ? &report_ : nullptr; }
  bool empty() const {
    return count_ == 0 && !report_due_ && !settings_changed_ && !twin_get_due_ && !report_waiting_;
  }

 private:
  static bool take(bool& flag) {
    const bool was = flag;
    flag = false;
    return was;
  }
  // The slot peek() shows (count_ > 0).
  std::size_t next_slot() const;
  port::Status post(OutputKind kind, std::string_view rid, std::string_view method, int status,
                    std::string_view body);

  Output slots_[kOutboxSlots];
  bool used_[kOutboxSlots] = {};
  uint64_t sequence_[kOutboxSlots] = {};  // post order of each used slot
  std::size_t count_ = 0;
  uint64_t next_sequence_ = 0;
  bool report_due_ = false;
  bool settings_changed_ = false;
  TwinRequest twin_get_;
  TwinRequest report_;
  bool twin_get_due_ = false;
  bool report_waiting_ = false;
};

}  // namespace door::agent
