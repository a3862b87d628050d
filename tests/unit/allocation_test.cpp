// The message path allocates nothing: counted with a replaced operator new (C++ code anywhere in
// the process) and with the linker's --wrap of malloc, calloc and realloc (C calls made from the
// agent's own objects).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <unistd.h>

#include "agent/config.hpp"
#include "agent/dialect.hpp"
#include "agent/door_hardware.hpp"
#include "agent/door_methods.hpp"
#include "agent/inbox.hpp"
#include "agent/message_handler.hpp"
#include "agent/methods.hpp"
#include "agent/twin.hpp"
#include "agent/twin_sync.hpp"
#include "port/event_loop.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size != 0 ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

extern "C" {
void* __real_malloc(std::size_t);
void* __real_calloc(std::size_t, std::size_t);
void* __real_realloc(void*, std::size_t);
void* __wrap_malloc(std::size_t n) {
  ++g_allocations;
  return __real_malloc(n);
}
void* __wrap_calloc(std::size_t n, std::size_t size) {
  ++g_allocations;
  return __real_calloc(n, size);
}
void* __wrap_realloc(void* p, std::size_t n) {
  ++g_allocations;
  return __real_realloc(p, n);
}
}

namespace door::agent {
namespace {

// Keeps the last publication in fixed buffers, as the session hands it to Paho.
class RecordingPublisher final : public Publisher {
 public:
  bool publish(const char* topic, std::string_view payload, int, bool) override {
    std::strncpy(topic_, topic, sizeof topic_ - 1);
    const std::size_t n =
        payload.size() < sizeof payload_ - 1 ? payload.size() : sizeof payload_ - 1;
    std::memcpy(payload_, payload.data(), n);
    payload_[n] = '\0';
    ++count_;
    if (std::strstr(topic, "/methods/res/") != nullptr) {
      std::strncpy(response_topic_, topic, sizeof response_topic_ - 1);
      ++responses_;
    }
    return true;
  }
  const char* topic() const { return topic_; }
  const char* payload() const { return payload_; }
  int count() const { return count_; }
  // Method answers only: a report can go out while a method waits for its answer.
  int responses() const { return responses_; }
  const char* response_topic() const { return response_topic_; }

 private:
  char topic_[kMaxTopicLength + 1] = {};
  char payload_[kOutboxPayloadBytes] = {};
  int count_ = 0;
  int responses_ = 0;
  char response_topic_[kMaxTopicLength + 1] = {};
};

class NoEffects final : public TwinEffects {
 public:
  void apply_settings(const DesiredSettings&) override {}
};

class RecordingTelemetry final : public TelemetrySink {
 public:
  void publish_event(std::string_view) override { ++events_; }
  int events() const { return events_; }

 private:
  int events_ = 0;
};

ConnectionSettings broker_settings() {
  ConnectionSettings s;
  s.hub = HubDialect::mqtt;
  s.device_id = "door-1";
  s.host = "localhost";
  return s;
}

DoorSettings fake_door() {
  DoorSettings d;
  d.configured = true;
  d.fake_gpio = true;
  d.lock.spec.line = "LOCK";
  d.feedback.spec.line = "FEEDBACK";
  d.contact.spec.line = "DOOR";
  d.lock_settings.feedback_timeout_ms = 10;
  return d;
}

std::string fresh_state_path() {
  // Unique per test: ctest runs the cases in parallel processes.
  const std::string path = ::testing::TempDir() + "allocation-state-" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                           ".json";
  for (const char* suffix : {"", ".prev", ".hold"}) unlink((path + suffix).c_str());
  return path;
}

// The real message path: broker dialect, door methods, lock actuator on the fake GPIO with
// feedback, desired properties. Members refer to each other as in the agent, in declaration order.
class MessagePath : public ::testing::Test {
 protected:
  MessagePath() {
    EXPECT_TRUE(hardware_.start(door_methods_));
    door_methods_.attach(hardware_.actuator(), "");
    EXPECT_TRUE(door_methods_.register_in(methods_));
    EXPECT_TRUE(twin_sync_.start());
    twin_.load();
    twin_sync_.on_subscribed();  // connected and ready, as after a connect
  }

  // Pushes one message through the inbox and the handler; returns the allocations made.
  long deliver(const std::string& topic, const std::string& payload) {
    const long before = g_allocations.load();
    EXPECT_EQ(inbox_.push_message(topic, payload.data(), payload.size()), Inbox::Taken::copied);
    handler_.handle(*inbox_.peek_message());
    inbox_.release_message();
    return g_allocations.load() - before;
  }

  ConnectionSettings settings_ = broker_settings();
  DoorSettings door_ = fake_door();
  port::EventLoop loop_;
  std::unique_ptr<Dialect> dialect_ = make_dialect(settings_);
  MethodTable methods_;
  RecordingPublisher publisher_;
  RecordingTelemetry telemetry_;
  NoEffects effects_;
  MessageHandler handler_{*dialect_, methods_, publisher_, twin_sync_};
  DoorMethods door_methods_{handler_, telemetry_};
  DoorHardware hardware_{loop_, door_, DoorHardware::timed_state_path(fresh_state_path())};
  Twin twin_{fresh_state_path(), DeviceLimits{}, effects_};
  TwinSync twin_sync_{loop_, *dialect_, publisher_, twin_, door_methods_};
  port::EventFd wake_;
  Inbox inbox_{wake_};
};

TEST_F(MessagePath, ApplyingAndReportingDesiredPropertiesAllocatesNothing) {
  const std::string topic = "devices/door-1/twin/desired";
  const std::string first = R"({"$version":1,"building":43,"floor":3,"note":{"a":[1,2]}})";
  const std::string second = R"({"$version":2,"building":44,"floor":"x","note":null})";
  const std::string stale = R"({"$version":1,"floor":9})";
  deliver(topic, first);  // warm-up: the first file write and report
  while (loop_.run_once(0), publisher_.count() == 0) {
  }
  const long before = g_allocations.load();
  const int published = publisher_.count();
  deliver(topic, second);
  deliver(topic, stale);
  while (publisher_.count() == published) loop_.run_once(-1);  // the coalesced report
  EXPECT_EQ(g_allocations.load() - before, 0);
  loop_.run_once(50);
  EXPECT_EQ(publisher_.count(), published + 1);  // two changes, one report
  EXPECT_EQ(twin_.version(), 2);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/twin/reported");
  EXPECT_NE(std::strstr(publisher_.payload(), R"("building":{"value":44,"ac":200,"av":2)"), nullptr)
      << publisher_.payload();
  EXPECT_NE(std::strstr(publisher_.payload(), R"("floor":{"value":3,"ac":400,"av":2)"), nullptr)
      << publisher_.payload();
}

TEST_F(MessagePath, LockAndUnlockAllocateNothing) {
  deliver("devices/door-1/methods/POST/getDoorState/?$rid=0", "");  // warm-up: lazy set-up
  EXPECT_EQ(deliver("devices/door-1/methods/POST/unlockDoor/?$rid=1", R"({"unlockTime":"5s"})"), 0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/200/?$rid=1");
  EXPECT_EQ(deliver("devices/door-1/methods/POST/lockDoor/?$rid=2", R"({"lockTime":"10m"})"), 0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/200/?$rid=2");
  EXPECT_NE(std::strstr(publisher_.payload(), R"("Response":"lockDoor called successfully")"),
            nullptr)
      << publisher_.payload();
  EXPECT_EQ(deliver("devices/door-1/methods/POST/getDoorState/?$rid=3", "null"), 0);
  EXPECT_EQ(telemetry_.events(), 2);  // unlocked, locked
}

TEST_F(MessagePath, ADeferredAnswerAllocatesNothing) {
  std::string error;
  ASSERT_TRUE(hardware_.fake_gpio()->execute("stick FEEDBACK", error)) << error;
  deliver("devices/door-1/methods/POST/getDoorState/?$rid=0", "");
  const std::string topic = "devices/door-1/methods/POST/unlockDoor/?$rid=7";
  const std::string payload = "{}";
  const long before = g_allocations.load();
  const int answered = publisher_.responses();
  deliver(topic, payload);
  EXPECT_EQ(publisher_.responses(), answered);                    // waiting for the feedback
  while (publisher_.responses() == answered) loop_.run_once(-1);  // the feedback timeout
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_STREQ(publisher_.response_topic(), "devices/door-1/methods/res/500/?$rid=7");
}

TEST_F(MessagePath, RefusalsAllocateNothing) {
  deliver("devices/door-1/methods/POST/nope/?$rid=0", "{}");
  EXPECT_EQ(deliver("devices/door-1/methods/POST/nope/?$rid=2", "{}"), 0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/404/?$rid=2");
  EXPECT_EQ(deliver("devices/door-1/methods/POST/lockDoor/?$rid=3",
                    std::string(kMaxPayloadBytes + 1, 'x')),
            0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/413/?$rid=3");
  EXPECT_EQ(deliver("devices/door-1/methods/POST/lockDoor/?$rid=4", R"({"lockTime":"forever"})"),
            0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/400/?$rid=4");
  EXPECT_EQ(deliver("devices/door-1/methods/POST/lockDoor/?$rid=5", std::string(8000, '[')), 0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/400/?$rid=5");
  const int published = publisher_.count();
  EXPECT_EQ(deliver("devices/door-2/methods/POST/lockDoor/?$rid=6", "{}"), 0);
  EXPECT_EQ(deliver(std::string(kMaxTopicLength + 10, 'a'), "{}"), 0);
  EXPECT_EQ(publisher_.count(), published);  // foreign and over-long topics get no answer
}

TEST_F(MessagePath, TheCounterSeesAllocations) {  // guards against a counter that never counts
  const long before = g_allocations.load();
  std::string s(1000, 'x');
  void* p = std::malloc(10);  // from a test object: wrapped too
  std::free(p);
  EXPECT_GE(g_allocations.load() - before, 2);
}

}  // namespace
}  // namespace door::agent
