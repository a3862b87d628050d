// The broker dialect and the scheduler on two independent MQTT 3.1.1 brokers, Mosquitto and Aedes:
// fleet views that do not depend on the broker's delivery order, twin jobs that keep every key,
// and a desired state the scheduler restores after a broker restart that lost it.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "agent_process.hpp"
#include "mqtt_client.hpp"
#include "scheduler_cli.hpp"

namespace door::test {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string sim_id(int n) {
  return std::string(n < 10 ? "sim-0" : "sim-") + std::to_string(n);
}

// Simulated devices: their retained status, reported and desired documents, as agents leave them.
class AnyBrokerFleet : public ::testing::TestWithParam<std::tuple<Broker::Kind, int>> {
 protected:
  AnyBrokerFleet() : broker_(std::get<0>(GetParam())), cli_(broker_) {}

  void publish_fleet(int count) {
    MqttClient service(scheduler_options(broker_));
    ASSERT_EQ(service.connect(), "");
    for (int n = 0; n < count; ++n) {
      const std::string topic = "devices/" + sim_id(n);
      ASSERT_TRUE(service.publish(topic + "/status", R"({"online":true})", 1, true));
      ASSERT_TRUE(service.publish(
          topic + "/twin/reported",
          R"({"agent":{"desiredVersion":1},"floor":{"value":9,"ac":200,"av":1,"ad":"applied"}})", 1,
          true));
      ASSERT_TRUE(service.publish(topic + "/twin/desired", R"({"floor":9,"$version":1})", 1, true));
    }
  }

  // Every device's retained desired document, as a new subscriber gets them.
  std::map<std::string, std::string> desired_documents(std::size_t count) {
    MqttClient reader(scheduler_options(broker_));
    EXPECT_EQ(reader.connect(), "");
    EXPECT_TRUE(reader.subscribe("devices/+/twin/desired"));
    std::map<std::string, std::string> documents;
    while (documents.size() < count) {
      const auto m = reader.receive(10s);
      if (!m) break;
      documents[m->topic] = m->payload;
    }
    return documents;
  }

  Broker broker_;
  SchedulerCli cli_;
};

TEST_P(AnyBrokerFleet, EveryViewHasEveryDeviceAndATwinJobKeepsEveryKey) {
  const int count = std::get<1>(GetParam());
  publish_fleet(count);
  // Aedes sends the retained documents after the subscription's acknowledgement, and once a
  // marker published afterwards overtook them: the view held 3 to 5 of 10 devices.
  const CliResult view = cli_.run({"devices", "--json"});
  ASSERT_EQ(view.exit_code, 0) << view.output;
  for (int n = 0; n < count; ++n) EXPECT_TRUE(has(view.output, sim_id(n))) << sim_id(n);

  const CliResult job = cli_.run({"schedule", "twin", "--query", "SELECT * FROM devices", "--patch",
                                  R"({"building":7})", "--wait"});
  EXPECT_EQ(job.exit_code, 0) << job.output;
  EXPECT_TRUE(has(job.output, "deviceCount " + std::to_string(count) + ", succeeded " +
                                  std::to_string(count) + ", failed 0"))
      << job.output;
  const auto documents = desired_documents(static_cast<std::size_t>(count));
  ASSERT_EQ(documents.size(), static_cast<std::size_t>(count));
  for (const auto& [topic, document] : documents) {
    // Once the job wrote {"building":7,"$version":1} over a document it had not received.
    EXPECT_EQ(document, R"({"floor":9,"building":7,"$version":2})") << topic;
  }
}

INSTANTIATE_TEST_SUITE_P(Brokers, AnyBrokerFleet,
                         ::testing::Combine(::testing::Values(Broker::Kind::mosquitto,
                                                              Broker::Kind::aedes),
                                            ::testing::Values(10, 100)),
                         [](const auto& param_info) {
                           return std::string(Broker::name(std::get<0>(param_info.param))) + "_" +
                                  std::to_string(std::get<1>(param_info.param)) + "Devices";
                         });

// A real agent, its broker restarted with and without retained persistence, and the scheduler.
class AnyBrokerRestart
    : public ::testing::TestWithParam<std::tuple<Broker::Kind, Broker::Persistence>> {
 protected:
  AnyBrokerRestart() : broker_(std::get<0>(GetParam()), std::get<1>(GetParam())), cli_(broker_) {}

  void SetUp() override {
    agent_ = std::make_unique<AgentProcess>(
        broker_dialect_config(broker_.port(), "door-1", "",
                              R"("stateFile":")" + door_dir_.file("desired.json") + "\"," +
                                  fake_door_section(door_dir_)));
    ASSERT_TRUE(agent_->wait_online()) << agent_->process().output();
  }

  void restart_broker() {
    const std::size_t from = agent_->process().line_count();
    broker_.restart();
    ASSERT_TRUE(agent_->wait_online(30s, from)) << agent_->process().output();
  }

  CliResult twin_job(const std::string& patch) {
    return cli_.run({"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch", patch,
                     "--wait-ack", "--timeout", "5", "--wait"});
  }

  // door-1's reported document once it acknowledges desired $version `version`.
  std::string reported_at(int version) {
    MqttClient reader(scheduler_options(broker_));
    EXPECT_EQ(reader.connect(), "");
    EXPECT_TRUE(reader.subscribe("devices/door-1/twin/reported"));
    std::string last;
    for (;;) {
      const auto m = reader.receive(10s);
      if (!m) return "not acknowledged; last reported: " + last;
      last = m->payload;
      if (has(last, R"("desiredVersion":)" + std::to_string(version) + "}")) return last;
    }
  }

  Broker broker_;
  SchedulerCli cli_;
  TempDir door_dir_;
  std::unique_ptr<AgentProcess> agent_;
};

TEST_P(AnyBrokerRestart, NoAcknowledgementForAVersionTheDeviceDidNotApplyAndEveryKeyIsKept) {
  const CliResult first = twin_job(R"({"building":7})");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  restart_broker();
  // Without persistence the broker lost the desired document: the scheduler once wrote version 1
  // again, the agent ignored it as applied, and the job reported it acknowledged.
  const CliResult second = twin_job(R"({"building":8})");
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_TRUE(has(second.output, "door-1               completed 200 acknowledged"))
      << second.output;
  // ... and the next version, applied as a whole document, deleted the keys it lacked.
  const CliResult third = twin_job(R"({"floor":5})");
  EXPECT_EQ(third.exit_code, 0) << third.output;
  const std::string reported = reported_at(3);
  EXPECT_TRUE(has(reported, R"("building":{"value":8,"ac":200,"av":3)")) << reported;
  EXPECT_TRUE(has(reported, R"("floor":{"value":5,"ac":200,"av":3)")) << reported;
}

TEST_P(AnyBrokerRestart, ServeRestoresTheDesiredDocumentTheBrokerLost) {
  ASSERT_EQ(twin_job(R"({"building":7,"floor":3})").exit_code, 0);
  Process serve(cli_.argv({"serve"}));
  ASSERT_TRUE(serve.wait_for_output("serving jobs", 30s)) << serve.output();
  const std::size_t from = serve.line_count();
  restart_broker();
  ASSERT_TRUE(serve.wait_for_output("reconnected to the broker", 60s, from)) << serve.output();
  MqttClient reader(scheduler_options(broker_));
  ASSERT_EQ(reader.connect(), "");
  ASSERT_TRUE(reader.subscribe("devices/door-1/twin/desired"));
  const auto desired = reader.receive(10s);
  ASSERT_TRUE(desired) << serve.output();
  EXPECT_EQ(desired->payload, R"({"building":7,"floor":3,"$version":1})");
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(30s));
}

INSTANTIATE_TEST_SUITE_P(
    Brokers, AnyBrokerRestart,
    ::testing::Combine(::testing::Values(Broker::Kind::mosquitto, Broker::Kind::aedes),
                       ::testing::Values(Broker::Persistence::none, Broker::Persistence::on_disk)),
    [](const auto& param_info) {
      return std::string(Broker::name(std::get<0>(param_info.param))) +
             (std::get<1>(param_info.param) == Broker::Persistence::none ? "_NoPersistence"
                                                                         : "_Persistence");
    });

// scripts/demo.sh on each broker: three agents, door-3 (a motorised bolt, refused on an open door)
// propped open, a twin job that sets building and floor and waits for the acknowledgements, and
// lockDoor on the doors of floor 3.
class AnyBrokerDemo : public ::testing::TestWithParam<Broker::Kind> {
 protected:
  AnyBrokerDemo() : broker_(GetParam()), cli_(broker_) {}

  void SetUp() override {
    for (const char* id : {"door-1", "door-2", "door-3"}) {
      TempDir& dir = *dirs_.emplace_back(std::make_unique<TempDir>());
      const std::string bolt = std::string(id) == "door-3" ? R"("refuseLockWhenOpen":true)" : "";
      agents_.push_back(std::make_unique<AgentProcess>(
          broker_dialect_config(broker_.port(), id, "",
                                R"("stateFile":")" + dir.file("desired.json") + "\"," +
                                    fake_door_section(dir, "unlocked", bolt))));
      ASSERT_TRUE(agents_.back()->wait_online()) << agents_.back()->process().output();
    }
    ASSERT_TRUE(fake_command(*dirs_[2], "set DOOR active"));
  }

  Broker broker_;
  SchedulerCli cli_;
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<AgentProcess>> agents_;
};

TEST_P(AnyBrokerDemo, TheDemoScenarioRunsAsOnMosquitto) {
  const CliResult view = cli_.run({"devices"});
  ASSERT_EQ(view.exit_code, 0) << view.output;
  for (const char* id : {"door-1", "door-2", "door-3"}) EXPECT_TRUE(has(view.output, id));
  const CliResult update =
      cli_.run({"schedule", "twin", "--query", "SELECT * FROM devices", "--patch",
                R"({"building":43,"floor":3})", "--wait-ack", "--wait"});
  EXPECT_EQ(update.exit_code, 0) << update.output;
  EXPECT_TRUE(has(update.output, "deviceCount 3, succeeded 3, failed 0")) << update.output;
  const CliResult lock =
      cli_.run({"schedule", "method", "--query", "properties.reported.floor = 3", "--method",
                "lockDoor", "--payload", R"({"lockTime":"10m"})", "--timeout", "10", "--wait"});
  EXPECT_EQ(lock.exit_code, 3) << lock.output;
  EXPECT_TRUE(has(lock.output, "deviceCount 3, succeeded 2, failed 1")) << lock.output;
  EXPECT_TRUE(has(lock.output, "door-3               failed    409")) << lock.output;
  const CliResult building = cli_.run({"devices", "--query", "properties.reported.building = 43"});
  for (const char* id : {"door-1", "door-2", "door-3"}) EXPECT_TRUE(has(building.output, id));
}

INSTANTIATE_TEST_SUITE_P(Brokers, AnyBrokerDemo,
                         ::testing::Values(Broker::Kind::mosquitto, Broker::Kind::aedes),
                         [](const auto& param_info) { return Broker::name(param_info.param); });

// The subscription check: a device whose broker grants its method subscription but delivers
// nothing on it says so; a correctly configured one passes and answers; a broker with the ACL from
// before the probe (no write to the probe topic) does not make the agent reconnect in a loop.
class AnyBrokerSubscriptionCheck : public ::testing::TestWithParam<Broker::Kind> {
 protected:
  AnyBrokerSubscriptionCheck() : broker_(GetParam()), cli_(broker_) {}

  // The shipped ACL without one of its lines.
  static std::string shipped_acl_without(const std::string& line) {
    std::ifstream file(DOOR_SOURCE_DIR "/deploy/mosquitto/door-acl.conf");
    std::stringstream text;
    text << file.rdbuf();
    std::string acl = text.str();
    const std::size_t at = acl.find(line + "\n");
    EXPECT_NE(at, std::string::npos) << line;
    if (at != std::string::npos) acl.erase(at, line.size() + 1);
    return acl;
  }

  std::unique_ptr<AgentProcess> start_agent() {
    return std::make_unique<AgentProcess>(broker_dialect_config(
        broker_.port(), "door-1", "",
        R"("stateFile":")" + dir_.file("desired.json") + "\"," + fake_door_section(dir_)));
  }

  CliResult lock_door() {
    return cli_.run({"schedule", "method", "--query", "deviceId = 'door-1'", "--method", "lockDoor",
                     "--timeout", "10", "--wait"});
  }

  Broker broker_;
  SchedulerCli cli_;
  TempDir dir_;
};

TEST_P(AnyBrokerSubscriptionCheck, AGrantedMethodSubscriptionThatDeliversNothingIsAClearError) {
  broker_.use_acl(shipped_acl_without("pattern read devices/%u/methods/POST/#"));
  auto agent = start_agent();
  // Mosquitto grants the refused subscription and delivers nothing; Aedes refuses it (0x80).
  const std::string expected =
      GetParam() == Broker::Kind::mosquitto
          ? "subscription to devices/door-1/methods/POST/# was granted but the broker delivers "
            "nothing on it"
          : "subscribing failed";
  EXPECT_TRUE(agent->process().wait_for_output(expected, 20s)) << agent->process().output();
}

TEST_P(AnyBrokerSubscriptionCheck, ACorrectlyConfiguredDevicePassesTheCheckAndAnswers) {
  auto agent = start_agent();
  ASSERT_TRUE(agent->wait_online()) << agent->process().output();
  EXPECT_TRUE(agent->process().wait_for_output("subscription check passed", 20s))
      << agent->process().output();
  const CliResult lock = lock_door();
  EXPECT_EQ(lock.exit_code, 0) << lock.output;
  EXPECT_TRUE(has(lock.output, "deviceCount 1, succeeded 1, failed 0")) << lock.output;
  EXPECT_EQ(agent->process().count_output("delivers nothing"), 0u) << agent->process().output();
}

TEST_P(AnyBrokerSubscriptionCheck, ABrokerWithoutTheProbeLineGetsAClearErrorAndNoReconnectLoop) {
  broker_.use_acl(shipped_acl_without("pattern write devices/%u/methods/POST/$probe"));
  auto agent = start_agent();
  // Mosquitto drops the refused probe: no answer in time. Aedes disconnects the device for it:
  // the agent stops probing and connects again once.
  const std::string expected = GetParam() == Broker::Kind::mosquitto
                                   ? "refuses the probe's write"
                                   : "No more probes until the agent restarts";
  const auto error_line = agent->process().wait_for_line(expected, 20s);
  ASSERT_TRUE(error_line) << agent->process().output();
  if (GetParam() == Broker::Kind::aedes) {
    ASSERT_TRUE(agent->wait_online(20s, *error_line)) << agent->process().output();
  }
  const CliResult lock = lock_door();
  EXPECT_EQ(lock.exit_code, 0) << lock.output;
  EXPECT_TRUE(has(lock.output, "deviceCount 1, succeeded 1, failed 0")) << lock.output;
  EXPECT_LE(agent->process().count_output("connected to"), 2u) << agent->process().output();
}

INSTANTIATE_TEST_SUITE_P(Brokers, AnyBrokerSubscriptionCheck,
                         ::testing::Values(Broker::Kind::mosquitto, Broker::Kind::aedes),
                         [](const auto& param_info) { return Broker::name(param_info.param); });

}  // namespace
}  // namespace door::test
