// libFuzzer target for method payloads: the agent's message path (inbox, the door core built as the
// agent builds it, its outbox drained as the agent drains it) on a fake door with lock feedback and
// a door contact, in the broker dialect.
// The first byte picks the method (lockDoor, unlockDoor, getDoorState or an unknown one), whether
// the door stands open, whether desired defaults apply and whether the request comes with the
// retain flag; the rest is the payload, which is also read as a duration. Every call gets exactly
// one answer with a status its method can give and a JSON object body; a refusal names its reason
// and leaves the lock as it was, a success leaves it as asked; a retained request is refused.
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <unistd.h>

#include "agent/config.hpp"
#include "agent/dialect.hpp"
#include "agent/door_core.hpp"
#include "agent/inbox.hpp"
#include "agent/output_publisher.hpp"
#include "fuzz_support.hpp"
#include "port/event_fd.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "protocol/duration.hpp"
#include "protocol/topics.hpp"

namespace door::agent {
namespace {

using fuzz::require;
using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

// Door events are not tracked (the forwarder is offline): every publication is an answer.
class LastAnswer final : public TrackedPublisher {
 public:
  port::Status publish(const char* topic, std::string_view payload, int, bool) override {
    topic_ = topic;
    payload_ = std::string(payload);
    ++count_;
    return port::Status::ok();
  }
  port::Result<int> publish_tracked(const char*, std::string_view) override {
    return port::Status::unavailable();
  }
  const std::string& topic() const { return topic_; }
  const std::string& payload() const { return payload_; }
  int count() const { return count_; }

 private:
  std::string topic_;
  std::string payload_;
  int count_ = 0;
};

// The state file, one per process: no desired change is sent, but timed locks are recorded beside
// it ("<path>.hold"). Removed when the process exits.
const std::string& state_file() {
  static const std::string path = [] {
    const char* tmpdir = std::getenv("TMPDIR");
    return std::string(tmpdir != nullptr ? tmpdir : "/tmp") + "/method-payload-fuzz-" +
           std::to_string(getpid()) + ".json";
  }();
  return path;
}

void remove_state_files() {
  for (const char* suffix : {"", ".prev", ".hold", ".hold.prev", ".hold.tmp"}) {
    unlink((state_file() + suffix).c_str());
  }
}

std::string state_path() {
  remove_state_files();
  std::atexit(&remove_state_files);  // once: the one MethodPath is a static
  return state_file();
}

ConnectionSettings device() {
  ConnectionSettings s;
  s.device_id = "door-1";
  s.host = "localhost";
  return s;
}

DoorSettings fake_door() {
  DoorSettings d;
  d.configured = true;
  d.fake_gpio = true;
  d.lock.spec.line = "LOCK";
  d.feedback.spec.line = "FEEDBACK";  // follows the lock: commands are confirmed at once
  d.contact.spec.line = "DOOR";
  return d;
}

struct Call {
  const char* method;
  bool door_open;
  bool desired_defaults;
  bool retained;
  std::string_view payload;
};

// The agent's objects, wired as the agent wires them.
class MethodPath {
 public:
  MethodPath() {
    require(core_.start().is_ok());
    require(core_.hardware().actuator() != nullptr);
    loop_.set_batch_end(&drain_handler_);
    drain();
  }

  // Locked, the door as asked; then the call. Returns the status of the one answer.
  int call(const Call& call) {
    set_door(false);
    require(core_.hardware().actuator()->lock(-1) == hal::CommandResult::done);
    drain();
    set_door(call.door_open);
    DesiredSettings defaults;
    defaults.default_lock_seconds = call.desired_defaults ? 30 : 0;
    defaults.strike_time_seconds = call.desired_defaults ? 2 : 0;
    core_.apply_door_settings(defaults, door_);
    const hal::LockState before = lock_state();
    const int answers = answer_.count();
    const std::string topic =
        std::string("devices/door-1/methods/POST/") + call.method + "/?$rid=1";
    const RetainFlag retain = call.retained ? RetainFlag::set : RetainFlag::clear;
    require(inbox_.push_message(topic, call.payload.data(), call.payload.size(), {}, retain) ==
            Inbox::Taken::copied);
    core_.handle(*inbox_.peek_message());
    inbox_.release_message();
    drain();
    require(answer_.count() == answers + 1);
    const protocol::FleetTopic answered = protocol::broker::parse_fleet_topic(answer_.topic());
    require(answered.kind == protocol::FleetTopicKind::method_response &&
            answered.device_id == "door-1" && answered.rid == "1");
    check_body(answered.status);
    if (answered.status != 200) require(lock_state() == before);
    return answered.status;
  }
  hal::LockState lock_state() { return core_.hardware().actuator()->state(); }

 private:
  // Door events are left out (the forwarder is offline, with no journal): every answer is
  // published.
  void drain() { (void)outputs_.drain(core_); }
  bool door_open() { return core_.hardware().actuator()->door() == hal::DoorContact::open; }

  void set_door(bool open) {
    if (door_open() == open) return;
    require(core_.hardware()
                .fake_gpio()
                ->execute(open ? "set DOOR active" : "set DOOR inactive")
                .is_ok());
    loop_.run_once(0);  // delivers the contact's edge to the lock
    require(door_open() == open);
  }

  // A JSON object; a refusal says why, a success gives the lock's state.
  void check_body(int status) {
    const JsonPtr body(cJSON_Parse(answer_.payload().c_str()), &cJSON_Delete);
    require(cJSON_IsObject(body.get()));
    if (status >= 400) {
      const cJSON* message = cJSON_GetObjectItemCaseSensitive(body.get(), "message");
      require(cJSON_IsString(message) && message->valuestring[0] != '\0');
      return;
    }
    const cJSON* lock = cJSON_GetObjectItemCaseSensitive(body.get(), "lock");
    require(cJSON_IsString(lock) &&
            std::string_view(lock->valuestring) == hal::to_string(lock_state()));
  }

  ConnectionSettings settings_ = device();
  DoorSettings door_ = fake_door();
  port::EventLoop loop_;
  std::unique_ptr<Dialect> dialect_ = make_dialect(settings_);
  LastAnswer answer_;
  DoorCore core_{loop_, *dialect_, door_, state_path()};
  EventForwarder events_{loop_, *dialect_, answer_};
  OutputPublisher outputs_{*dialect_, answer_, events_};
  port::MemberTimer<MethodPath, &MethodPath::drain> drain_handler_{*this};
  port::EventFd wake_;
  Inbox inbox_{wake_};
};

// A duration the parser accepts is in range and reads the same in plain seconds and as a number.
void check_duration(std::string_view text) {
  const port::Result<int64_t> parsed = protocol::parse_duration(text);
  if (!parsed.is_ok()) return;
  const int64_t seconds = parsed.value();
  require(seconds >= 1 && seconds <= protocol::kMaxDurationSeconds);
  const port::Result<int64_t> plain = protocol::parse_duration(std::to_string(seconds));
  require(plain.is_ok() && plain.value() == seconds);
  const port::Result<int64_t> number = protocol::duration_from_number(static_cast<double>(seconds));
  require(number.is_ok() && number.value() == seconds);
}

void check_call(std::string_view input) {
  static const fuzz::QuietLog quiet;
  static MethodPath path;
  if (input.empty()) return;
  const auto choice = static_cast<unsigned char>(input[0]);
  static constexpr const char* kMethods[] = {"lockDoor", "unlockDoor", "getDoorState", "openWide"};
  const Call call{kMethods[choice % 4], (choice & 4) != 0, (choice & 8) != 0, (choice & 64) != 0,
                  input.substr(1)};
  const int status = path.call(call);
  if (call.retained) {
    require(status == 400);
    return;
  }
  const bool too_large = call.payload.size() > kMaxPayloadBytes;
  switch (choice % 4) {
    case 0: require(status == 200 || status == 400 || status == 409 || too_large); break;
    case 1:
    case 2: require(status == 200 || status == 400 || too_large); break;
    default: require(status == 404 || too_large); break;
  }
  if (too_large) require(status == 413);
  if (status == 409) require(call.door_open);
  if (status == 200 && choice % 4 == 0) require(path.lock_state() == hal::LockState::locked);
  if (status == 200 && choice % 4 == 1) require(path.lock_state() == hal::LockState::unlocked);
  check_duration(call.payload);
}

}  // namespace
}  // namespace door::agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  door::agent::check_call(door::fuzz::as_text(data, size));
  return 0;
}
