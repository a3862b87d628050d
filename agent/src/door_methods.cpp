#include "agent/door_methods.hpp"

#include "port/clock.hpp"
#include "port/log.hpp"
#include "protocol/duration.hpp"

namespace door::agent {

using protocol::duration_from_number;
using protocol::parse_duration;

namespace {

constexpr HoldField kLockTime{"lockTime", false};
constexpr HoldField kUnlockTime{"unlockTime", true};

void add_utc(port::TextWriter& out, int64_t unix_seconds) {
  char stamp[32];
  if (port::format_utc(unix_seconds, stamp, sizeof stamp).is_ok()) out.add(stamp);
}

bool blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The hold a field's value asks for; invalid when it is neither a duration nor, where allowed,
// "indefinite".
port::Result<AskedHold> read_hold(const cJSON* value, const HoldField& field) {
  if (field.indefinite_allowed && cJSON_IsString(value) &&
      std::string_view(value->valuestring) == "indefinite") {
    return AskedHold{AskedHold::Kind::indefinite, -1};
  }
  port::Result<int64_t> seconds = port::Status::invalid();
  if (cJSON_IsNumber(value)) seconds = duration_from_number(value->valuedouble);
  if (cJSON_IsString(value)) seconds = parse_duration(value->valuestring);
  if (!seconds.is_ok()) return seconds.status();
  return AskedHold{AskedHold::Kind::timed, seconds.value() * 1000};
}

void add_bad_hold(port::TextWriter& response, const HoldField& field) {
  response.add(R"({"message":")")
      .add(field.name)
      .add(R"(: use a duration such as \"30s\", \"10m\", \"2h\" or whole seconds, from 1 )")
      .add("second to 7 days")
      .add(field.indefinite_allowed ? R"(, or \"indefinite\""})" : R"("})");
}

}  // namespace

void DoorMethods::attach(hal::LockActuator* actuator, const char* unavailable_reason) {
  actuator_ = actuator;
  unavailable_reason_ = unavailable_reason;
  update_snapshot();
}

port::Status DoorMethods::register_in(MethodTable& table) {
  port::Status added = table.add("lockDoor", lock_door_handler_);
  if (added.is_ok()) added = table.add("unlockDoor", unlock_door_handler_);
  if (added.is_ok()) added = table.add("getDoorState", get_door_state_handler_);
  return added;
}

void DoorMethods::add_state(port::TextWriter& out, StateForm form) const {
  // A reported PATCH merges into the twin: a member the state no longer has is deleted with null.
  const bool patch = form == StateForm::patch;
  out.add(R"("lock":")").add(hal::to_string(actuator_->state()));
  out.add(R"(","door":")").add(hal::to_string(actuator_->door())).add('"');
  if (actuator_->state() == hal::LockState::fault) {
    out.add(R"(,"fault":")").add_json_escaped(actuator_->fault_reason()).add('"');
  } else if (patch) {
    out.add(R"(,"fault":null)");
  }
  const int64_t hold_ms = actuator_->hold_remaining_ms();
  if (hold_ms >= 0) {
    out.add(R"(,"until":")");
    add_utc(out, port::wall_seconds() + (hold_ms + 999) / 1000);
    out.add('"');
  } else if (patch) {
    out.add(R"(,"until":null)");
  }
  if (released_indefinitely()) {
    out.add(R"(,"indefinite":true)");
  } else if (patch) {
    out.add(R"(,"indefinite":null)");
  }
  add_alarms(out, form);
  // A lock that moved although its state could not be saved for a restart says so.
  if (const char* unsaved = actuator_->record_problem()) {
    out.add(R"(,"notSaved":")").add_json_escaped(unsaved).add('"');
  } else if (patch) {
    out.add(R"(,"notSaved":null)");
  }
}

void DoorMethods::add_alarms(port::TextWriter& out, StateForm form) const {
  const hal::DoorAlarms& alarms = actuator_->alarms();
  if (form == StateForm::document && !alarms.any_active()) return;
  out.add(R"(,"alarms":{)");
  bool first = true;
  for (hal::Alarm alarm : hal::kAlarms) {
    if (!alarms.active(alarm) && form == StateForm::document) continue;
    out.add(first ? "\"" : ",\"").add(hal::to_string(alarm)).add("\":");
    first = false;
    if (alarms.active(alarm)) {
      out.add('"');
      add_utc(out, alarms.since_wall_ms(alarm) / 1000);
      out.add('"');
    } else {
      out.add("null");
    }
  }
  out.add('}');
}

bool DoorMethods::released_indefinitely() const {
  return indefinite_release_ && actuator_->state() == hal::LockState::unlocked &&
         actuator_->hold_remaining_ms() < 0;
}

void DoorMethods::add_success(port::TextWriter& out, bool lock) const {
  out.add(lock ? R"({"Response":"lockDoor called successfully",)"
               : R"({"Response":"unlockDoor called successfully",)");
  add_state(out);
  out.add('}');
}

port::Result<AskedHold> DoorMethods::parse_hold(std::string_view payload, const HoldField* field,
                                                port::TextWriter& response) {
  AskedHold hold;
  if (blank(payload)) return hold;
  JsonArenaScope scope(arena_);
  protocol::JsonRefusal refusal;
  const cJSON* root = scope.parse(payload, &refusal);
  if (root == nullptr && refusal.repeated_member) {
    response.add(R"({"message":"a field is given more than once)");
    // Field names come from the network: the answer names only well-formed ones.
    if (plain_name(refusal.member)) response.add(": ").add(refusal.member);
    response.add("\"}");
    return port::Status::invalid();
  }
  if (root == nullptr) {
    response.add(R"({"message":"the payload is not valid JSON, or nests too deeply"})");
    return port::Status::invalid();
  }
  if (cJSON_IsNull(root)) return hold;  // IoT Hub sends null for a call without payload
  if (!cJSON_IsObject(root)) {
    response.add(R"({"message":"the payload must be a JSON object"})");
    return port::Status::invalid();
  }
  for (const cJSON* item = root->child; item != nullptr; item = item->next) {
    if (field != nullptr && std::string_view(item->string) == field->name) {
      if (cJSON_IsNull(item)) continue;
      const port::Result<AskedHold> asked = read_hold(item, *field);
      if (!asked.is_ok()) {
        add_bad_hold(response, *field);
        return port::Status::invalid();
      }
      hold = asked.value();
    } else {
      response.add(R"({"message":"unknown field)");
      // Field names come from the network: the answer names only well-formed ones.
      if (plain_name(item->string)) response.add(" '").add(item->string).add('\'');
      if (field != nullptr) {
        response.add(" (the only field is ").add(field->name).add(")\"}");
      } else {
        response.add(" (this method takes no fields)\"}");
      }
      return port::Status::invalid();
    }
  }
  return hold;
}

int64_t DoorMethods::hold_ms_for(bool lock, const AskedHold& asked) const {
  switch (asked.kind) {
    case AskedHold::Kind::timed: return asked.ms;
    case AskedHold::Kind::indefinite: return -1;
    case AskedHold::Kind::default_hold: break;
  }
  // Without a time a release is momentary: one mistaken call must not leave the door open.
  return lock ? default_lock_ms_ : strike_ms_;
}

void DoorMethods::note_release(bool indefinite_before, hal::CommandResult result) {
  switch (result) {
    case hal::CommandResult::done:
    case hal::CommandResult::pending:
      if (indefinite_release_) {
        port::log(port::Level::notice, "door released indefinitely, until the next lockDoor");
      }
      return;
    case hal::CommandResult::write_failed: indefinite_release_ = false; return;
    case hal::CommandResult::door_open:
    case hal::CommandResult::busy:
    case hal::CommandResult::not_stored:
      indefinite_release_ = indefinite_before;  // the lock did not move: what it held still holds
      return;
  }
}

int DoorMethods::unavailable(port::TextWriter& response) const {
  response.add(R"({"message":"door hardware unavailable: )")
      .add_json_escaped(unavailable_reason_)
      .add("\"}");
  return 503;
}

int DoorMethods::refused(port::TextWriter& response, const char* outcome) const {
  response.add(R"({"message":")").add_json_escaped(actuator_->problem()).add(outcome).add("\",");
  add_state(response);
  response.add('}');
  return 503;
}

int DoorMethods::busy(port::TextWriter& response) {
  response.add(R"({"message":"the lock is busy with the previous command"})");
  return 409;
}

int DoorMethods::command(bool lock, const MethodCall& call, port::TextWriter& response) {
  if (actuator_ == nullptr) return unavailable(response);
  const port::Result<AskedHold> asked =
      parse_hold(call.payload, lock ? &kLockTime : &kUnlockTime, response);
  if (!asked.is_ok()) return 400;
  if (pending_) return busy(response);
  const int64_t hold_ms = hold_ms_for(lock, asked.value());
  // Set before the lock moves, so the events it posts show an indefinite release.
  const bool indefinite_before = indefinite_release_;
  indefinite_release_ = !lock && asked.value().kind == AskedHold::Kind::indefinite;
  const hal::CommandResult result = lock ? actuator_->lock(hold_ms) : actuator_->unlock(hold_ms);
  note_release(indefinite_before, result);
  update_snapshot();
  // A new hold changes "until" or "indefinite" without a lock event: the report must show it.
  if (result == hal::CommandResult::done || result == hal::CommandResult::pending) {
    outbox_.post_report_due();
  }
  switch (result) {
    case hal::CommandResult::done: add_success(response, lock); return 200;
    case hal::CommandResult::pending:
      // rid and method were validated by the topic parser, so they fit.
      port::TextWriter(pending_rid_, sizeof pending_rid_).add(call.rid);
      port::TextWriter(pending_method_, sizeof pending_method_).add(call.method);
      pending_ = true;
      pending_lock_ = lock;
      return kReplyLater;
    case hal::CommandResult::door_open:
      response.add(R"({"message":"the door is open; it is not locked while open",)");
      add_state(response);
      response.add('}');
      return 409;
    case hal::CommandResult::busy: return busy(response);
    case hal::CommandResult::write_failed:
      return refused(response, "; the door was put in its fail-mode state");
    case hal::CommandResult::not_stored: return refused(response, "; the lock did not move");
  }
  return 500;
}

int DoorMethods::lock_door(const MethodCall& call, port::TextWriter& response) {
  return command(true, call, response);
}

int DoorMethods::unlock_door(const MethodCall& call, port::TextWriter& response) {
  return command(false, call, response);
}

int DoorMethods::get_door_state(const MethodCall& call, port::TextWriter& response) {
  if (actuator_ == nullptr) return unavailable(response);
  if (!parse_hold(call.payload, nullptr, response).is_ok()) return 400;
  response.add('{');
  add_state(response);
  response.add('}');
  return 200;
}

void DoorMethods::on_command_finished(bool confirmed) {
  update_snapshot();
  if (!pending_) return;  // the end of a timed state, not a method call
  port::TextWriter body(deferred_body_, sizeof deferred_body_);
  int status = 200;
  if (confirmed) {
    add_success(body, pending_lock_);
  } else {
    status = 500;
    body.add(R"({"message":"the lock feedback did not confirm )")
        .add(pending_lock_ ? "locked" : "unlocked")
        .add(R"( in time; the door was put in its fail-mode state",)");
    add_state(body);
    body.add('}');
  }
  pending_ = false;
  const port::Status posted =
      outbox_.post_answer(pending_rid_, pending_method_, status, body.view());
  if (!posted.is_ok()) {
    port::log(port::Level::error, "method %s (rid %s): the %d answer was not queued: outbox %s",
              pending_method_, pending_rid_, status, posted.text());
  }
}

void DoorMethods::set_defaults(int64_t lock_seconds, int64_t strike_seconds) {
  default_lock_ms_ = lock_seconds > 0 ? lock_seconds * 1000 : -1;
  strike_ms_ = strike_seconds * 1000;
  update_snapshot();  // after a fail mode change
}

void DoorMethods::update_snapshot() {
  port::TextWriter state = snapshot_.writer();
  if (actuator_ == nullptr) {
    state.add(R"({"lock":"unavailable"})");
  } else {
    state.add('{');
    add_state(state, report_form_);
    state.add('}');
  }
  snapshot_.commit(state);
}

void DoorMethods::post_event(const char* event, const AlarmChange* alarm) {
  update_snapshot();
  port::TextWriter body(event_body_, sizeof event_body_);
  body.add(R"({"event":")").add(event).add("\",");
  if (alarm != nullptr) {
    body.add(R"("alarm":")").add(hal::to_string(alarm->alarm)).add(R"(","active":)");
    body.add(alarm->active ? "true," : "false,");
  }
  add_state(body);
  // Before time synchronisation the board's clock says nothing: the event's seq orders it.
  if (!port::wall_clock_unset()) {
    body.add(R"(,"at":")");
    add_utc(body, port::wall_seconds());
    body.add('"');
  }
  body.add('}');
  // A door event that cannot be queued is lost, but the reported door state that follows carries
  // the state it told.
  outbox_.post_report_due();
  const port::Status posted =
      body.ok() ? outbox_.post_event(body.view()) : port::Status::too_large();
  if (!posted.is_ok()) {
    port::log(port::Level::warning, "door event %s not queued (%s); the reported state carries it",
              event, posted.text());
  }
}

void DoorMethods::post_state() {
  if (actuator_ != nullptr) post_event("state");
}

void DoorMethods::on_report_changed() {
  update_snapshot();
  outbox_.post_report_due();
}

void DoorMethods::on_alarm(hal::Alarm alarm, bool active) {
  const AlarmChange change{alarm, active};
  post_event("alarm", &change);
}

void DoorMethods::on_lock_event(hal::LockEvent event) {
  if (event == hal::LockEvent::locked || event == hal::LockEvent::fault) {
    indefinite_release_ = false;
  }
  post_event(hal::to_string(event));
}

}  // namespace door::agent
