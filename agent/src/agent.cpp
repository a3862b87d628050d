#include "agent/agent.hpp"

#include <signal.h>
#include <sys/epoll.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "agent/capacities.hpp"
#include "port/clock.hpp"
#include "port/log.hpp"
#include "port/secret.hpp"

namespace door::agent {

namespace {

using port::Level;
using port::log;

// While the wall clock is unset (before the build date) TLS and SAS cannot work; check it this
// often.
constexpr int64_t kClockRecheckMs = 5000;
// A clean stop waits this long for the offline announcement to be delivered.
constexpr int kDisconnectTimeoutMs = 2000;
constexpr int64_t kStopDeadlineMs = 3000;
// The subscription probe comes back within milliseconds from a broker that serves the
// subscription; after this long the broker does not, and the agent says so.
constexpr int64_t kProbeWaitMs = 3000;

}  // namespace

Agent::Agent(AgentConfig config, std::string config_path, port::SignalFd& signals)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      signals_(signals),
      dialect_(make_dialect(config_.connection)),
      session_options_(dialect_->session_options()),
      core_(loop_, *dialect_, config_.door, config_.state_file, config_.runtime_directory),
      outputs_(*dialect_, session_, events_),
      backoff_(config_.connection.reconnect_min_ms, config_.connection.reconnect_max_ms, random_) {}

int Agent::run() {
  if (!loop_.valid() || wake_.fd() < 0 || signals_.fd() < 0 ||
      !loop_.add_fd(wake_.fd(), EPOLLIN, &wake_handler_).is_ok() ||
      !loop_.add_fd(signals_.fd(), EPOLLIN, &signal_handler_).is_ok()) {
    return 1;
  }
  // A timer without a slot would never fire: the agent does not start without all of them.
  const std::pair<port::TimerId*, port::TimerHandler*> timers[] = {
      {&reconnect_timer_, &reconnect_handler_}, {&renew_timer_, &renew_handler_},
      {&stop_timer_, &stop_handler_},           {&telemetry_timer_, &telemetry_handler_},
      {&watchdog_timer_, &watchdog_handler_},   {&probe_timer_, &probe_handler_}};
  for (const auto& [id, handler] : timers) {
    const port::Result<port::TimerId> added = loop_.add_timer(handler);
    if (!added.is_ok()) return 1;  // logged by the loop
    *id = added.value();
  }
  // The watchdog keep-alive comes from the loop itself: a stuck loop stops it, and systemd
  // restarts the agent.
  if (service_.watchdog_interval_ms() > 0) loop_.arm_timer(watchdog_timer_, 0);
  if (!session_.create(session_options_).is_ok()) return 1;  // logged by the session
  // The door comes first: its lock holds its state whatever the network does.
  const port::Status started = core_.start();
  if (!started.is_ok()) {
    log(Level::error, "cannot start the door core: %s", started.reason());
    return 1;
  }
  const port::Status events_started =
      events_.start(config_.state_file.empty() ? "" : config_.state_file + ".events",
                    journal_capacity(core_.twin().settings()));
  if (!events_started.is_ok()) {
    log(Level::error, "cannot start the event journal: %s", events_started.reason());
    return 1;
  }
  loop_.set_batch_end(&batch_end_handler_);
  drain_outbox();  // the desired properties applied before the last stop

  log(Level::notice, "door-agent %s starting: device %s, %s dialect, server %s", DOOR_AGENT_VERSION,
      config_.connection.device_id.c_str(), dialect_->name(), session_options_.server_uri.c_str());
  if (!config_.connection.verify_server) {
    log(Level::warning, "server certificate verification is disabled (verifyServer: false)");
  }
  start_connecting();
  // systemd (Type=notify) considers the service started now: the lock line holds its safe state
  // and the loop is about to run. A door's readiness is local; its uplink's state goes in STATUS=,
  // and so does hardware that could not be used (its methods answer 503).
  const char* unavailable =
      core_.hardware().actuator() == nullptr ? core_.hardware().unavailable_reason() : "";
  char ready[kEventDetailLength * 2 + 96];
  std::snprintf(ready, sizeof ready, "READY=1\nSTATUS=connecting%s%s",
                unavailable[0] != '\0' ? "; door hardware unavailable: " : "", unavailable);
  service_.send(ready);
  loop_.run();
  log(Level::notice, "door-agent stopped");
  return exit_code_;
}

void Agent::start_connecting() {
  if (port::wall_clock_unset()) {
    if (!clock_warning_logged_) {
      log(Level::warning,
          "the system clock is not set (it reads earlier than this build); waiting "
          "for time synchronisation before connecting");
      clock_warning_logged_ = true;
    }
    state_ = State::waiting_for_clock;
    loop_.arm_timer(reconnect_timer_, kClockRecheckMs);
    return;
  }
  char password[kMaxSasTokenLength];
  port::TextWriter password_text(password, sizeof password);
  const port::Status credential = dialect_->make_password(password_text);
  if (!credential.is_ok()) {
    log(Level::error, "cannot make the connection credential (SAS token): %s", credential.reason());
    schedule_reconnect("credential", "");
    return;
  }
  state_ = State::connecting;
  log(Level::info, "connecting to %s as %s", session_options_.server_uri.c_str(),
      session_options_.username.empty() ? session_options_.client_id.c_str()
                                        : session_options_.username.c_str());
  const port::Status started = session_.connect(password_text.size() > 0 ? password : nullptr);
  port::wipe(password, sizeof password);
  if (!started.is_ok()) schedule_reconnect("connect", started.reason());
}

void Agent::schedule_reconnect(const char* what, const char* detail) {
  loop_.cancel_timer(renew_timer_);
  events_.on_offline();
  if (probe_out_) give_up_probe();
  core_.twin_sync().on_disconnected();
  const int64_t delay = backoff_.next_delay_ms();
  char status[kEventDetailLength * 2 + 96];
  std::snprintf(status, sizeof status, "%s%s%s; reconnecting in %.1f s", what,
                detail[0] ? ": " : "", detail, static_cast<double>(delay) / 1000.0);
  log(Level::warning, "%s", status);
  tell_status("offline: ", status);
  told_online_ = false;
  state_ = State::idle;
  loop_.arm_timer(reconnect_timer_, delay);
}

void Agent::tell_status(const char* state, const char* reason) {
  char message[kEventDetailLength * 2 + 160];
  std::snprintf(message, sizeof message, "STATUS=%s%s", state, reason);
  service_.send(message);  // systemctl status shows it; a lost status changes nothing for the door
}

void Agent::on_reconnect_timer() {
  if (state_ == State::stopping) return;
  start_connecting();
}

void Agent::on_renew_timer() {
  if (state_ != State::online && state_ != State::subscribing) return;
  log(Level::info, "renewing the SAS token: reconnecting with a new one");
  state_ = State::renewing;
  core_.twin_sync().on_disconnected();
  events_.on_offline();
  if (!session_.disconnect(kDisconnectTimeoutMs).is_ok()) start_connecting();
}

void Agent::on_stop_timer() {
  log(Level::warning, "the offline announcement was not confirmed in time; stopping anyway");
  loop_.stop();
}

void Agent::drain_outbox() {
  if (core_.outbox().empty() && !events_.report_due()) return;
  if (outputs_.drain(core_)) apply_settings(core_.twin().settings());
}

void Agent::apply_settings(const DesiredSettings& s) {
  port::set_log_level(s.log_level_set ? s.log_level : config_.log_level);
  core_.apply_door_settings(s, config_.door);
  events_.set_capacity(journal_capacity(s));
  telemetry_interval_ms_ = s.telemetry_interval_seconds * 1000;
  if (telemetry_interval_ms_ > 0) {
    loop_.arm_timer(telemetry_timer_, telemetry_interval_ms_);
  } else {
    loop_.cancel_timer(telemetry_timer_);
  }
}

std::size_t Agent::journal_capacity(const DesiredSettings& s) const {
  return static_cast<std::size_t>(s.event_journal_capacity > 0 ? s.event_journal_capacity
                                                               : config_.event_journal_capacity);
}

void Agent::on_telemetry_timer() {
  core_.post_state();
  if (telemetry_interval_ms_ > 0) loop_.arm_timer(telemetry_timer_, telemetry_interval_ms_);
}

void Agent::start_probe() {
  const char* topic = dialect_->probe_topic();
  if (topic == nullptr || probe_off_) return;
  if (!session_.publish(topic, "", 0, false).is_ok()) {
    log(Level::warning, "the subscription probe could not be sent; the check is skipped");
    return;
  }
  probe_out_ = true;
  loop_.arm_timer(probe_timer_, kProbeWaitMs);
}

bool Agent::is_probe(const InboxMessage& message) const {
  const char* topic = dialect_->probe_topic();
  return topic != nullptr && message.topic_view() == topic;
}

void Agent::on_probe_returned() {
  if (!probe_out_) return;  // only the device may write its probe topic; nothing to answer
  probe_out_ = false;
  loop_.cancel_timer(probe_timer_);
  log(Level::info, "subscription check passed: the broker delivers method requests");
}

void Agent::on_probe_timer() {
  if (!probe_out_ || state_ == State::stopping) return;
  probe_out_ = false;
  Subscription subscriptions[kMaxSubscriptions];
  dialect_->subscriptions(subscriptions);  // the method subscription comes first
  // Room for both topics of the longest device id, and within what tell_status() sends.
  char problem[kEventDetailLength * 2 + 96];
  std::snprintf(problem, sizeof problem,
                "subscription to %s was granted but the broker delivers nothing on it (or it "
                "refuses the probe's write to %s): check the broker's ACL for this device",
                subscriptions[0].topic, dialect_->probe_topic());
  log(Level::error, "%s", problem);
  tell_status("online but unreachable for methods: ", problem);
  told_online_ = true;  // the reconciled twin does not make the door answerable
}

void Agent::give_up_probe() {
  probe_out_ = false;
  probe_off_ = true;
  loop_.cancel_timer(probe_timer_);
  log(Level::error,
      "the connection ended while the subscription probe on %s was out: the broker may refuse "
      "the device's write to it; add \"pattern write devices/%%u/methods/POST/$probe\" to the "
      "broker's ACL (deploy/mosquitto/door-acl.conf). No more probes until the agent restarts",
      dialect_->probe_topic());
}

void Agent::begin_stop(int signal_number) {
  log(Level::notice, "stopping on %s", strsignal(signal_number));
  service_.send("STOPPING=1");
  core_.shut_down();
  drain_outbox();  // the door events of the stop go out before the offline announcement
  events_.flush_now();
  const bool was_connected = session_.connected();
  state_ = State::stopping;
  loop_.cancel_timer(reconnect_timer_);
  loop_.cancel_timer(renew_timer_);
  loop_.cancel_timer(telemetry_timer_);
  // Nothing more to report: the offline announcement is the last.
  core_.twin_sync().on_disconnected();
  if (!was_connected) {
    loop_.stop();
    return;
  }
  if (!dialect_->announce_offline(session_).is_ok()) {
    // A clean disconnect would cancel the last will, the only other way to say "offline".
    log(Level::error, "the offline announcement could not be sent; leaving it to the last will");
    loop_.stop();
    return;
  }
  if (!session_.disconnect_when_delivered().is_ok()) {
    loop_.stop();
    return;
  }
  loop_.arm_timer(stop_timer_, kStopDeadlineMs);
}

void Agent::reload() {
  std::vector<std::string> problems;
  const port::Result<AgentConfig> fresh = load_config(config_path_, &problems);
  if (!fresh.is_ok()) {
    // The first problem whole: a status's reason is cut at kStatusReasonBytes.
    log(Level::error, "SIGHUP: config not reloaded: %s", problems.front().c_str());
    return;
  }
  config_.log_level = fresh.value().log_level;
  apply_settings(core_.twin().settings());  // a desired logLevel still wins over the file's
  log(Level::notice,
      "SIGHUP: config reloaded (log level applied; connection changes take effect "
      "after a restart)");
}

void Agent::on_signal(uint32_t) {
  while (const int signal_number = signals_.read_signal()) {
    if (signal_number == SIGHUP) {
      reload();
    } else if (state_ != State::stopping) {
      begin_stop(signal_number);
    }
  }
}

void Agent::on_wake(uint32_t) {
  wake_.drain();
  SessionEvent event;
  while (inbox_.pop_event(event)) handle_event(event);
  Delivery delivery;
  while (inbox_.pop_delivery(delivery)) events_.on_delivery(delivery);
  while (const InboxMessage* message = inbox_.peek_message()) {
    if (is_probe(*message)) {
      on_probe_returned();
    } else if (state_ != State::stopping) {
      core_.handle(*message);
    }
    inbox_.release_message();
    drain_outbox();  // each message's answer goes out before the next message is handled
  }
  if (const std::size_t dropped = inbox_.take_dropped()) {
    log(Level::warning, "inbox full: %zu connection events were dropped", dropped);
  }
  if (const std::size_t refused = inbox_.take_refused()) {
    log(Level::warning,
        "inbox full: %zu messages left with the MQTT client until its next packet arrives",
        refused);
  }
  if (!told_online_ && core_.twin_sync().ready()) {
    tell_status("online, desired properties reconciled", "");
    told_online_ = true;
  }
}

void Agent::on_watchdog_timer() {
  service_.send("WATCHDOG=1");
  loop_.arm_timer(watchdog_timer_, service_.watchdog_interval_ms());
}

void Agent::handle_event(const SessionEvent& event) {
  switch (event.kind) {
    case SessionEventKind::connected: {
      log(Level::info, "connected to %s; subscribing", session_options_.server_uri.c_str());
      backoff_.reset();
      Subscription subscriptions[kMaxSubscriptions];
      const std::size_t count = dialect_->subscriptions(subscriptions);
      state_ = State::subscribing;
      if (!session_.subscribe(subscriptions, count).is_ok()) {  // logged by the session
        schedule_reconnect("subscribe", "");
        return;
      }
      const int64_t renew_ms = dialect_->renew_after_ms();
      if (renew_ms >= 0) loop_.arm_timer(renew_timer_, renew_ms);
      return;
    }
    case SessionEventKind::subscribed:
      if (state_ != State::subscribing) return;
      if (!dialect_->announce_online(session_).is_ok()) {
        // The service would go on showing the device offline: connect again and announce then.
        log(Level::error, "the online announcement could not be sent; reconnecting");
        state_ = State::idle;
        const port::Status disconnecting = session_.disconnect(0);
        if (!disconnecting.is_ok()) schedule_reconnect("announce", disconnecting.reason());
        return;
      }
      state_ = State::online;
      log(Level::notice, "online: device %s on %s", config_.connection.device_id.c_str(),
          session_options_.server_uri.c_str());
      core_.twin_sync().on_subscribed();
      events_.on_online();
      start_probe();
      return;
    case SessionEventKind::subscribe_failed:
      log(Level::error, "subscribing failed (code %d): %s", event.code, event.detail);
      state_ = State::idle;
      if (!session_.disconnect(0).is_ok()) schedule_reconnect("subscribe", event.detail);
      return;
    case SessionEventKind::connect_failed: {
      session_.end_failed_connect();
      if (state_ == State::stopping) return;
      char reason[kEventDetailLength + 64];
      // The session's own text for transport failures; our words for a server's refusal.
      std::snprintf(reason, sizeof reason, "%s",
                    event.detail[0] != '\0' && !credentials_refused(event.failure)
                        ? event.detail
                        : describe(event.failure));
      if (credentials_refused(event.failure)) {
        // Retrying refused credentials quickly cannot help: wait the longest backoff.
        log(Level::error, "cannot connect: %s; check the device's credentials; retrying in %d s",
            reason, config_.connection.reconnect_max_ms / 1000);
        tell_status("offline: credentials refused: ", reason);
        told_online_ = false;
        state_ = State::idle;
        loop_.arm_timer(reconnect_timer_, config_.connection.reconnect_max_ms);
        return;
      }
      schedule_reconnect("cannot connect", reason);
      return;
    }
    case SessionEventKind::connection_lost:
      if (state_ == State::stopping) return;
      schedule_reconnect("connection lost", event.detail);
      return;
    case SessionEventKind::delivered:
      if (state_ == State::stopping && !session_.disconnect_if_delivered().is_ok()) loop_.stop();
      return;
    case SessionEventKind::disconnected:
      if (state_ == State::stopping) {
        loop_.stop();
      } else if (state_ == State::renewing) {
        start_connecting();
      } else {
        schedule_reconnect("disconnected", event.detail);
      }
      return;
  }
}

}  // namespace door::agent
