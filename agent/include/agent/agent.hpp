#pragma once
// The door agent's runtime: owns the loop's handlers, the MQTT session and its lifecycle
// (connect, subscribe, announce, renew credentials, reconnect with backoff, clean stop).
#include <memory>
#include <string>

#include "agent/backoff.hpp"
#include "agent/config.hpp"
#include "agent/dialect.hpp"
#include "agent/door_core.hpp"
#include "agent/event_forwarder.hpp"
#include "agent/inbox.hpp"
#include "agent/mqtt_session.hpp"
#include "agent/output_publisher.hpp"
#include "port/event_fd.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "port/random.hpp"
#include "port/service_notify.hpp"
#include "port/signals.hpp"

namespace door::agent {

class Agent final {
 public:
  // config_path is re-read on SIGHUP.
  Agent(AgentConfig config, std::string config_path, port::SignalFd& signals);

  // Runs until SIGTERM or SIGINT; returns the process exit code.
  int run();

 private:
  // Publishes what the door core posted to its outbox, and applies changed settings.
  void drain_outbox();
  void apply_settings(const DesiredSettings& settings);
  // The event journal's capacity in force: the desired one, else the configured one.
  std::size_t journal_capacity(const DesiredSettings& settings) const;

  enum class State { idle, waiting_for_clock, connecting, subscribing, online, renewing, stopping };

  void start_connecting();
  void schedule_reconnect(const char* what, const char* detail);
  // STATUS= for systemctl status: the uplink's state and, when offline, why.
  void tell_status(const char* state, const char* reason);
  // The subscription check (broker dialect): a probe published on the device's own method topics
  // must come back, or the broker granted a subscription it does not serve (Mosquitto grants what
  // its ACL refuses and then delivers nothing).
  void start_probe();
  void on_probe_returned();
  void on_probe_timer();
  // A connection that ended while a probe was out: the broker may have refused the probe's write
  // (Aedes disconnects for that); no more probes in this process, so it cannot loop.
  void give_up_probe();
  void begin_stop(int signal_number);
  void reload();

  void on_wake(uint32_t events);
  void on_signal(uint32_t events);
  void on_reconnect_timer();
  void on_renew_timer();
  void on_stop_timer();
  void on_telemetry_timer();
  void on_watchdog_timer();
  bool is_probe(const InboxMessage& message) const;
  void handle_event(const SessionEvent& event);

  AgentConfig config_;
  std::string config_path_;
  port::SignalFd& signals_;
  port::EventLoop loop_;
  port::EventFd wake_;
  Inbox inbox_{wake_};
  std::unique_ptr<Dialect> dialect_;
  SessionOptions session_options_;
  MqttSession session_{inbox_, loop_};
  DoorCore core_;
  EventForwarder events_{loop_, *dialect_, session_};
  OutputPublisher outputs_;
  int64_t telemetry_interval_ms_ = 0;
  port::ServiceNotify service_;
  bool told_online_ = false;  // STATUS= says online
  port::JitterRandom random_;
  Backoff backoff_;
  State state_ = State::idle;
  bool clock_warning_logged_ = false;
  int exit_code_ = 0;
  bool probe_out_ = false;
  bool probe_off_ = false;

  port::MemberFd<Agent, &Agent::on_wake> wake_handler_{*this};
  port::MemberFd<Agent, &Agent::on_signal> signal_handler_{*this};
  port::MemberTimer<Agent, &Agent::on_reconnect_timer> reconnect_handler_{*this};
  port::MemberTimer<Agent, &Agent::on_renew_timer> renew_handler_{*this};
  port::MemberTimer<Agent, &Agent::on_stop_timer> stop_handler_{*this};
  port::MemberTimer<Agent, &Agent::on_telemetry_timer> telemetry_handler_{*this};
  port::MemberTimer<Agent, &Agent::on_watchdog_timer> watchdog_handler_{*this};
  port::MemberTimer<Agent, &Agent::on_probe_timer> probe_handler_{*this};
  port::MemberTimer<Agent, &Agent::drain_outbox> batch_end_handler_{*this};
  port::TimerId reconnect_timer_ = port::kNoTimer;
  port::TimerId renew_timer_ = port::kNoTimer;
  port::TimerId stop_timer_ = port::kNoTimer;
  port::TimerId telemetry_timer_ = port::kNoTimer;
  port::TimerId watchdog_timer_ = port::kNoTimer;
  port::TimerId probe_timer_ = port::kNoTimer;
};

}  // namespace door::agent
