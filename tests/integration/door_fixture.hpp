#pragma once
// The door-control fixture: the real door-agent on the fake GPIO, a service client on a TLS broker
// in either dialect, and the fake's transition log of the lock output.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"

namespace door::test {

enum class Hub { mqtt, azure };
inline void PrintTo(Hub hub, std::ostream* out) {
  *out << (hub == Hub::mqtt ? "mqtt" : "azure");
}
inline std::string hub_name(const ::testing::TestParamInfo<Hub>& info) {
  return info.param == Hub::mqtt ? "mqtt" : "azure";
}

struct Response {
  int status = 0;
  std::string body;
};

struct Transition {
  int64_t at_ms = 0;  // CLOCK_MONOTONIC, as port::monotonic_ms() reads it
  std::string what;   // "request 0", "set 1", "set-failed 1", "release 0"
};

// The LOCK lines of the transition log.
inline std::vector<Transition> timed_lock_transitions(const TempDir& dir) {
  std::ifstream in(dir.file("transitions.log"));
  std::vector<Transition> out;
  std::string stamp, line, what, level;
  while (in >> stamp >> line >> what >> level) {
    if (line == "LOCK") out.push_back({std::stoll(stamp), what + " " + level});
  }
  return out;
}

// The LOCK lines of the transition log, without timestamps.
inline std::vector<std::string> lock_transitions(const TempDir& dir) {
  std::vector<std::string> out;
  for (const Transition& t : timed_lock_transitions(dir)) out.push_back(t.what);
  return out;
}

class DoorControl : public ::testing::TestWithParam<Hub> {
 protected:
  void SetUp() override { start_agent(""); }

  void start_agent(const std::string& door_extra, const std::string& energized = "unlocked",
                   const std::string& fake_extra = "") {
    const std::string door = fake_door_section(dir_, energized, door_extra, fake_extra);
    const bool mqtt = GetParam() == Hub::mqtt;
    device_ = mqtt ? "door-1" : "door-3";
    ASSERT_NO_FATAL_FAILURE(connect_service());
    const std::string top = R"("stateFile":")" + state_file_ + "\"," + extra_top_ + door;
    config_ = mqtt ? broker_dialect_config(broker_.port(), device_, "", top)
                   : azure_dialect_config(broker_.azure_port(), device_, "", top);
    restart_agent();
  }

  // The service's client (again, after a restart of the broker), subscribed to answers, events
  // and the reported properties.
  void connect_service() {
    const bool mqtt = GetParam() == Hub::mqtt;
    service_ =
        std::make_unique<MqttClient>(mqtt ? scheduler_options(broker_) : hub_options(broker_));
    ASSERT_EQ(service_->connect(), "");
    prefix_ = mqtt ? "devices/" + device_ + "/methods/" : "$iothub/methods/";
    ASSERT_TRUE(service_->subscribe(prefix_ + "res/#", mqtt ? 1 : 0));
    ASSERT_TRUE(service_->subscribe("devices/" + device_ + "/messages/events/#"));
    // The reported properties: the broker's retained document, or IoT Hub's twin requests (the
    // test plays the hub and answers them).
    ASSERT_TRUE(mqtt ? service_->subscribe("devices/" + device_ + "/twin/reported")
                     : service_->subscribe("$iothub/twin/#", 0));
  }

  // Starts the agent (again) with the config of start_agent().
  void restart_agent() {
    agent_ = std::make_unique<AgentProcess>(config_);
    ASSERT_TRUE(agent_->wait_online()) << agent_->process().output();
  }

  void kill_agent() {
    agent_->process().signal(SIGKILL);
    ASSERT_TRUE(agent_->process().wait_exit(10s));
  }

  // The next reported door state that contains part; for IoT Hub, answers the twin GET and every
  // reported PATCH as the hub would.
  std::string reported_with(const std::string& part) {
    const bool mqtt = GetParam() == Hub::mqtt;
    for (;;) {
      const auto m = service_->receive_on(
          mqtt ? "devices/" + device_ + "/twin/reported" : std::string("$iothub/twin/"), 10s);
      if (!m) {
        ADD_FAILURE() << "no reported properties with " << part;
        return {};
      }
      if (!mqtt) {
        const std::string rid = m->topic.substr(m->topic.find("$rid=") + 5);
        const bool get = m->topic.rfind("$iothub/twin/GET/", 0) == 0;
        if (!get && m->topic.rfind("$iothub/twin/PATCH/properties/reported/", 0) != 0) continue;
        EXPECT_TRUE(service_->publish(
            "$iothub/twin/res/" + std::string(get ? "200" : "204") + "/?$rid=" + rid,
            get ? R"({"desired":{"$version":1},"reported":{}})" : "", 0));
        if (get) continue;
      }
      if (m->payload.find(part) != std::string::npos) return m->payload;
    }
  }

  // The reported door object holding exactly lock_and_door (and "indefinite" when given). IoT
  // Hub's reported properties are merged patches: there the members the state does not have are
  // sent as null, so the twin forgets them.
  std::string reported_door(const std::string& lock_and_door,
                            const std::string& indefinite = "null") const {
    if (GetParam() == Hub::mqtt) {
      return R"("door":{)" + lock_and_door +
             (indefinite == "null" ? "" : R"(,"indefinite":)" + indefinite) + "}";
    }
    return R"("door":{)" + lock_and_door + R"(,"fault":null,"until":null,"indefinite":)" +
           indefinite +
           R"(,"alarms":{"forcedOpen":null,"heldOpen":null,"lockTamper":null},"notSaved":null})";
  }

  // The answer to the call; answers to calls the test did not wait for (an agent killed while it
  // answered) are passed over.
  Response call(const std::string& method, const std::string& payload) {
    const std::string rid = std::to_string(++rid_);
    EXPECT_TRUE(service_->publish(prefix_ + "POST/" + method + "/?$rid=" + rid, payload,
                                  GetParam() == Hub::mqtt ? 1 : 0));
    for (;;) {
      const auto m = service_->receive_on(prefix_ + "res/", 10s);
      if (!m) return {};
      if (m->topic.find("/?$rid=" + rid) == std::string::npos) continue;
      const auto at = m->topic.find("res/") + 4;
      return {std::stoi(m->topic.substr(at, 3)), m->payload};
    }
  }

  // Desired properties, as the broker dialect's service publishes them (retained).
  void set_desired(const std::string& document) {
    ASSERT_TRUE(service_->publish("devices/" + device_ + "/twin/desired", document, 1, true));
  }

  // The next door event on the telemetry topic, skipping method responses.
  std::string next_event() {
    const auto m = service_->receive_on("devices/" + device_ + "/messages/events/", 10s);
    return m ? m->payload : std::string{};
  }

  void command(const std::string& text) {
    const std::size_t from = agent_->process().line_count();
    ASSERT_TRUE(fake_command(dir_, text));
    ASSERT_TRUE(agent_->process().wait_for_output("fake gpio: " + text, 10s, from))
        << agent_->process().output();
  }

  TempDir dir_;
  std::string state_file_ = dir_.file("desired.json");
  std::string extra_top_;  // more top-level config members, each followed by a comma
  // Sessions and retained documents outlive a restart of the broker, as on a production broker.
  Broker broker_{"server", Broker::Persistence::on_disk};
  std::string device_;
  std::string prefix_;
  std::unique_ptr<MqttClient> service_;
  std::unique_ptr<AgentProcess> agent_;
  std::string config_;
  int rid_ = 0;
};

}  // namespace door::test
