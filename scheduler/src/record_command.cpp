// door-scheduler record: stores every device's door events in the store until stopped (serve runs
// it as a process of its own). It reads them through the store's persistent broker session: a
// client id kept in the store, with clean session off, so the broker queues the events that come
// while no recorder runs. One process at a time may use that session (two connections with one
// client id take it from each other): the one that holds the store's recorder lease.
#include <chrono>
#include <memory>
#include <vector>

#include "cli.hpp"
#include "job_output.hpp"
#include "job_run.hpp"
#include "port/clock.hpp"
#include "reconnect_delay.hpp"
#include "scheduler/door_event.hpp"
#include "scheduler/event_log.hpp"

namespace door::scheduler::cli {

namespace {

// Events that arrive together are stored in one transaction: one sync for many.
constexpr std::size_t kBatchEvents = 200;
constexpr auto kReceiveWait = std::chrono::milliseconds(250);
constexpr int64_t kStoreRetryMs = 1000;
constexpr int64_t kLeaseLookMs = JobStore::kLeaseRenewSeconds * 1000;
// A topic in a log line is cut here: a hostile one may be 64 KiB.
constexpr std::size_t kShownTopic = 160;

void say(const std::string& text) {
  log_line("events: " + text);
}

std::string shown_topic(const std::string& topic) {
  return printable(topic.size() > kShownTopic ? topic.substr(0, kShownTopic) + "..." : topic);
}

class Recorder {
 public:
  Recorder(const Context& ctx, EventLog& log) : ctx_(ctx), log_(log) {}

  // Records until a stop is asked; kError when the first connection to the broker fails.
  int run() {
    while (!stop_requested() && fatal_.empty()) {
      if (!keep_lease()) continue;
      if (!pending_.empty() && !store_pending()) continue;
      if (client_ && client_->connected()) {
        receive();
      } else if (client_ && connected_once_ && reconnect_at_ms_ == 0) {
        schedule_reconnect();
      } else if (port::monotonic_ms() >= reconnect_at_ms_) {
        connect();
      } else {
        pause_ms(kReceiveWait.count());
      }
    }
    finish();
    return fatal_.empty() ? kOk : runtime_error(fatal_);
  }

 private:
  // Holds (or renews) the recorder lease; false, after waiting a while, when this process may not
  // record now: another one holds the lease, or the store cannot be asked.
  bool keep_lease() {
    const int64_t now_ms = port::monotonic_ms();
    if (lease_.held && now_ms < renew_at_ms_) return true;
    EventLog::Recorder lease;
    if (!log_.hold_recorder(port::wall_seconds(), lease)) {
      store_trouble(log_.error());
      pause_ms(kStoreRetryMs);
      return false;
    }
    store_answers();
    if (lease.held) {
      lease_ = lease;
      renew_at_ms_ = now_ms + kLeaseLookMs;
      return true;
    }
    if (lease_.held || !waiting_said_) {
      // The session is the other process's now: leave it, or two recorders take it in turns.
      say("another process (" + printable(lease.owner) +
          ") records the door events of this store; waiting until it stops");
      waiting_said_ = true;
      client_.reset();
      connected_once_ = false;
    }
    lease_ = lease;
    pause_ms(kLeaseLookMs);
    return false;
  }

  void connect() {
    if (!client_) {
      BrokerSettings settings = ctx_.broker;
      settings.client_id = lease_.client_id;
      settings.persistent_session = true;
      client_ = std::make_unique<BrokerClient>(settings);
    }
    std::string error;
    bool recording = client_->connect(error);
    if (recording && !client_->subscribe(kFleetEventsSubscription, 1)) {
      recording = false;
      error = "cannot subscribe to the door events (check the scheduler's ACL)";
      client_.reset();  // connected but deaf: the next attempt starts over
    }
    if (recording) {
      const bool resumed = client_->session_present();
      if (connected_once_) {
        say(resumed ? "recording again (broker session resumed)"
                    : "recording again (broker session new: the events it held are lost)");
      } else {
        say("recording into " + ctx_.store_path + " (broker session " + lease_.client_id +
            (resumed ? ", resumed)" : ", new)"));
      }
      connected_once_ = ever_connected_ = true;
      reconnect_at_ms_ = 0;
      delay_.reset();
      return;
    }
    if (!ever_connected_) {
      fatal_ = error;  // as serve: the first connection must work
      return;
    }
    say(error);
    schedule_reconnect();
  }

  void schedule_reconnect() {
    const int64_t delay_ms = delay_.next_ms();
    say(reconnecting_notice(delay_ms));
    reconnect_at_ms_ = port::monotonic_ms() + delay_ms;
  }

  // Takes what has arrived, up to a batch, and stores it.
  void receive() {
    auto message = client_->receive(kReceiveWait);
    const int64_t now = port::wall_seconds();
    for (; message; message = client_->receive(std::chrono::milliseconds(0))) {
      DoorEvent event;
      std::string reason;
      if (parse_door_event(*message, now, event, reason)) {
        pending_.push_back(std::move(event));
      } else {
        say("skipped a message on " + shown_topic(message->topic) + ": " + reason);
      }
      if (pending_.size() >= kBatchEvents) break;
    }
    if (!pending_.empty()) store_pending();
  }

  // Stores the events taken from the broker. While the store fails they wait in memory and no
  // more are taken (the broker keeps them in the session), so none is lost and memory is bounded.
  bool store_pending() {
    int stored = 0;
    if (log_.add(pending_, stored)) {
      pending_.clear();
      store_answers();
      return true;
    }
    store_trouble(log_.error() + "; " + std::to_string(pending_.size()) +
                  " events wait in memory, the broker keeps the others");
    pause_ms(kStoreRetryMs);
    return false;
  }

  // Said once, until the store answers again.
  void store_trouble(const std::string& what) {
    if (what == trouble_) return;
    trouble_ = what;
    say(what);
  }
  void store_answers() {
    if (!trouble_.empty()) say("the store takes door events again");
    trouble_.clear();
  }

  void finish() {
    if (!pending_.empty() && !store_pending()) {
      for (const DoorEvent& e : pending_) {
        say("not stored: " + e.device_id + " " + printable(e.payload));
      }
    }
    client_.reset();
    if (lease_.held && !log_.release_recorder()) say(log_.error());
    if (fatal_.empty()) say("stopped");
  }

  const Context& ctx_;
  EventLog& log_;
  EventLog::Recorder lease_;
  int64_t renew_at_ms_ = 0;
  bool waiting_said_ = false;
  std::unique_ptr<BrokerClient> client_;
  bool connected_once_ = false;  // on this lease: a later connect is a reconnect
  bool ever_connected_ = false;
  int64_t reconnect_at_ms_ = 0;  // 0: no reconnect waits
  ReconnectDelay delay_;
  std::vector<DoorEvent> pending_;
  std::string trouble_;
  std::string fatal_;
};

}  // namespace

int record_command(Context& ctx) {
  if (ctx.next < ctx.args.size()) {
    return usage_error("unknown option " + ctx.args[ctx.next] + " for record");
  }
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  EventLog log(store);
  stop_on_signals();
  Recorder recorder(ctx, log);
  return recorder.run();
}

}  // namespace door::scheduler::cli
