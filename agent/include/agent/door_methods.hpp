#pragma once
// The door's direct methods (DESIGN.md 5.3): lockDoor, unlockDoor, getDoorState. Answers and the
// door events they and the door contact cause are posted to the outbox.
#include <cstdint>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/json_arena.hpp"
#include "agent/methods.hpp"
#include "agent/outbox.hpp"
#include "agent/report_snapshot.hpp"
#include "hal/lock_actuator.hpp"

namespace door::agent {

// The hold a call asks for: none given (the method's default applies), a time, or (unlockDoor
// only) "indefinite": released until the next lockDoor.
struct AskedHold {
  enum class Kind { default_hold, timed, indefinite };
  Kind kind = Kind::default_hold;
  int64_t ms = -1;  // timed: the hold
};

// The hold field a method takes: its name, and whether it may ask for "indefinite".
struct HoldField {
  const char* name;
  bool indefinite_allowed;
};

// How the door's state is written: as a document (answers, events, a full reported document), or
// as a reported PATCH, where a member the state no longer has is sent as null to delete it.
enum class StateForm { document, patch };

class DoorMethods final : public hal::LockObserver {
 public:
  // Answers and door events go to outbox; the door's state, for the reported properties, to
  // snapshot. strike_seconds (1 to 86400): the release of an unlockDoor without unlockTime until
  // set_defaults() says otherwise. report_form: how the snapshot writes the state.
  DoorMethods(Outbox& outbox, ReportSnapshot& snapshot, int64_t strike_seconds,
              StateForm report_form)
      : outbox_(outbox),
        snapshot_(snapshot),
        report_form_(report_form),
        strike_ms_(strike_seconds * 1000) {}

  port::Status register_in(MethodTable& table);
  // The lock to drive; null (the default) makes the methods answer 503 with the reason.
  void attach(hal::LockActuator* actuator, const char* unavailable_reason);

  // The holds of calls that give none: lockDoor's (0: until told otherwise) and unlockDoor's
  // strike time (1 to 86400). Called after the fail mode is set, which the state then shows.
  void set_defaults(int64_t lock_seconds, int64_t strike_seconds);
  // A periodic "state" event on the telemetry topic.
  void post_state();

  void on_lock_event(hal::LockEvent event) override;
  void on_command_finished(bool confirmed) override;
  void on_report_changed() override;
  void on_alarm(hal::Alarm alarm, bool active) override;

 private:
  template <int (DoorMethods::*Method)(const MethodCall&, port::TextWriter&)>
  class Handler final : public MethodHandler {
   public:
    explicit Handler(DoorMethods& owner) : owner_(owner) {}
    int call(const MethodCall& call, port::TextWriter& response) override {
      return (owner_.*Method)(call, response);
    }

   private:
    DoorMethods& owner_;
  };

  int lock_door(const MethodCall& call, port::TextWriter& response);
  int unlock_door(const MethodCall& call, port::TextWriter& response);
  int get_door_state(const MethodCall& call, port::TextWriter& response);
  int command(bool lock, const MethodCall& call, port::TextWriter& response);
  // Reads the optional hold field (field is nullptr for a method without fields); invalid (with a
  // 400 body written) when the payload is bad.
  port::Result<AskedHold> parse_hold(std::string_view payload, const HoldField* field,
                                     port::TextWriter& response);
  // The hold to drive, in ms (-1: until told otherwise).
  int64_t hold_ms_for(bool lock, const AskedHold& asked) const;
  // After a command that set indefinite_release_ as asked: restores indefinite_before when the
  // lock did not move.
  void note_release(bool indefinite_before, hal::CommandResult result);
  // Released by {"unlockTime":"indefinite"}, and still so.
  bool released_indefinitely() const;
  void add_state(port::TextWriter& out, StateForm form = StateForm::document) const;
  // The active alarms and when each was raised ("alarms"; in a patch, null for the others).
  void add_alarms(port::TextWriter& out, StateForm form) const;
  void add_success(port::TextWriter& out, bool lock) const;
  int unavailable(port::TextWriter& response) const;  // 503
  // 503: the lock line or the timed-state store failed; outcome says what became of the lock.
  int refused(port::TextWriter& response, const char* outcome) const;
  static int busy(port::TextWriter& response);  // 409
  struct AlarmChange {
    hal::Alarm alarm;
    bool active;
  };
  // A door event; an alarm's raise or clear names the alarm.
  void post_event(const char* event, const AlarmChange* alarm = nullptr);
  // After anything that may have changed the lock or the door contact.
  void update_snapshot();

  hal::LockActuator* actuator_ = nullptr;
  const char* unavailable_reason_ = "not set up";
  Outbox& outbox_;
  ReportSnapshot& snapshot_;
  StateForm report_form_;
  JsonArena arena_;
  // The call whose answer waits for the lock's feedback (one at a time: the lock is sequential).
  bool pending_ = false;
  bool pending_lock_ = false;
  char pending_rid_[protocol::kMaxRequestIdLength + 1] = {};
  char pending_method_[protocol::kMaxMethodNameLength + 1] = {};
  int64_t default_lock_ms_ = -1;
  int64_t strike_ms_;
  // The last command that moved the lock asked for an indefinite release.
  bool indefinite_release_ = false;
  char deferred_body_[kOutboxPayloadBytes];
  char event_body_[kMaxDoorEventBytes];

  Handler<&DoorMethods::lock_door> lock_door_handler_{*this};
  Handler<&DoorMethods::unlock_door> unlock_door_handler_{*this};
  Handler<&DoorMethods::get_door_state> get_door_state_handler_{*this};
};

}  // namespace door::agent
