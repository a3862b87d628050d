#pragma once
// What the agent core's unit tests build the core from: a broker-dialect device, a door on the fake
// GPIO with lock feedback and a door contact, and a session that records what is published.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "agent/config.hpp"
#include "agent/publisher.hpp"

namespace door::agent {

inline ConnectionSettings broker_device() {
  ConnectionSettings s;
  s.hub = HubDialect::mqtt;
  s.device_id = "door-1";
  s.host = "localhost";
  return s;
}

inline DoorSettings fake_door() {
  DoorSettings d;
  d.configured = true;
  d.fake_gpio = true;
  d.lock.spec.line = "LOCK";
  d.feedback.spec.line = "FEEDBACK";
  d.contact.spec.line = "DOOR";
  d.lock_settings.feedback_timeout_ms = 10;
  return d;
}

// A state file path of this test's own, with no state file, last good copy or timed state left
// from an earlier run (ctest runs the cases in parallel processes).
inline std::string fresh_state_path(const std::string& prefix) {
  const std::string path = ::testing::TempDir() + prefix +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                           ".json";
  for (const char* suffix : {"", ".prev", ".hold", ".events"}) unlink((path + suffix).c_str());
  return path;
}

struct Published {
  std::string topic;
  std::string payload;
};

// Keeps every publication (it allocates: not for the allocation test); refuses them when told.
class RecordingSession final : public TrackedPublisher {
 public:
  port::Status publish(const char* topic, std::string_view payload, int, bool) override {
    messages.push_back({topic, std::string(payload)});
    return accept ? port::Status::ok() : port::Status::unavailable();
  }
  port::Result<int> publish_tracked(const char* topic, std::string_view payload) override {
    const port::Status published = publish(topic, payload, 1, false);
    if (!published.is_ok()) return published;
    return ++tokens;
  }
  std::vector<Published> messages;
  bool accept = true;
  int tokens = 0;
};

}  // namespace door::agent
