#pragma once
// The door core: the dispatcher, the door methods, the lock (on the configured GPIO backend), the
// twin engine and the outbox they post to, built from their ports in one place. The agent, the
// unit tests, the fuzz targets and the allocation test construct it the same way.
#include <string>

#include "agent/config.hpp"
#include "agent/dialect.hpp"
#include "agent/door_hardware.hpp"
#include "agent/door_methods.hpp"
#include "agent/inbox.hpp"
#include "agent/message_handler.hpp"
#include "agent/methods.hpp"
#include "agent/outbox.hpp"
#include "agent/report_snapshot.hpp"
#include "agent/twin.hpp"
#include "agent/twin_sync.hpp"
#include "port/event_loop.hpp"
#include "port/status.hpp"

namespace door::agent {

class DoorCore {
 public:
  // loop: clock and timers; dialect: topics; door: the GPIO backend and the lock's settings;
  // state_file: the applied desired properties (and, beside it, the lock's timed state);
  // runtime_directory: a directory that outlives the process but not the boot (systemd's
  // RuntimeDirectory), where a timed state that the state file's directory cannot forget is voided;
  // "" for none. Everything the core sends goes to its outbox.
  DoorCore(port::EventLoop& loop, const Dialect& dialect, const DoorSettings& door,
           const std::string& state_file, const std::string& runtime_directory = "");
  DoorCore(const DoorCore&) = delete;
  DoorCore& operator=(const DoorCore&) = delete;

  // Reserves the timers, loads the desired properties applied before the last stop (the outbox
  // then says the settings changed), starts the lock with the fail mode in effect (without
  // hardware the door methods answer 503 with the reason) and registers the methods. Fails only
  // when a fixed table is full.
  [[nodiscard]] port::Status start();

  // A message from the inbox: a method call (its answer goes to the outbox) or a twin message.
  void handle(const InboxMessage& message) { messages_.handle(message); }

  // The door's part of the desired settings in force: default hold times, the strike time and the
  // fail mode (the configured ones where the desired properties set none).
  void apply_door_settings(const DesiredSettings& settings, const DoorSettings& configured);
  // A periodic "state" event.
  void post_state() { door_methods_.post_state(); }
  // Clean stop: the lock goes to its fail-mode state.
  void shut_down() { hardware_.shut_down(); }

  Outbox& outbox() { return outbox_; }
  Twin& twin() { return twin_; }
  TwinSync& twin_sync() { return twin_sync_; }
  DoorHardware& hardware() { return hardware_; }
  // The reported "eventJournal" member, which the runtime writes (then marks the report dirty).
  ReportSnapshot& events_snapshot() { return events_snapshot_; }

 private:
  hal::FailMode configured_fail_mode_;
  Outbox outbox_;
  MethodTable methods_;
  ReportSnapshot door_snapshot_{R"({"lock":"unavailable"})"};  // written by the door methods
  ReportSnapshot events_snapshot_{""};  // written by the runtime (the event journal's figures)
  DoorMethods door_methods_;
  DoorHardware hardware_;
  Twin twin_;
  TwinSync twin_sync_;
  MessageHandler messages_;
};

}  // namespace door::agent
