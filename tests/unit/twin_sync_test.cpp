// The twin engine's exchange with IoT Hub, on the door core built as the agent builds it: the twin
// GET after a connect, readiness only once its answer is applied, the reported properties that
// follow, and a desired change newer than the GET's answer asking again.
#include "agent/twin_sync.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/door_core.hpp"
#include "agent/output_publisher.hpp"
#include "core_test_support.hpp"
#include "port/event_fd.hpp"
#include "port/member_handler.hpp"

namespace door::agent {
namespace {

ConnectionSettings azure_device() {
  ConnectionSettings s;
  s.hub = HubDialect::azure;
  s.device_id = "door-1";
  s.host = "hub.example.net";
  s.hub_host_name = "hub.example.net";
  s.shared_access_key = "c2VjcmV0";
  return s;
}

class TwinSyncTest : public ::testing::Test {
 protected:
  TwinSyncTest() {
    EXPECT_TRUE(core_.start().is_ok());
    EXPECT_TRUE(events_.start("", 0).is_ok());
    loop_.set_batch_end(&drain_handler_);
    drain();
  }

  static std::string state_path() { return fresh_state_path("twin-sync-"); }
  void drain() { (void)outputs_.drain(core_); }
  void deliver(const std::string& topic, const std::string& payload) {
    ASSERT_EQ(inbox_.push_message(topic, payload.data(), payload.size()), Inbox::Taken::copied);
    core_.handle(*inbox_.peek_message());
    inbox_.release_message();
    drain();
  }
  // Runs the loop until something more is published.
  const Published& next_published() {
    const std::size_t count = session_.messages.size();
    while (session_.messages.size() == count) loop_.run_once(-1);
    return session_.messages.back();
  }

  ConnectionSettings settings_ = azure_device();
  std::unique_ptr<Dialect> dialect_ = make_dialect(settings_);
  DoorSettings door_;  // no door section: the methods answer 503, the twin works the same
  port::EventLoop loop_;
  RecordingSession session_;
  DoorCore core_{loop_, *dialect_, door_, state_path()};
  EventForwarder events_{loop_, *dialect_, session_};
  OutputPublisher outputs_{*dialect_, session_, events_};
  port::MemberTimer<TwinSyncTest, &TwinSyncTest::drain> drain_handler_{*this};
  port::EventFd wake_;
  Inbox inbox_{wake_};
};

TEST_F(TwinSyncTest, AfterAConnectTheTwinIsFetchedAndReadyOnlyOnceItsAnswerIsApplied) {
  core_.twin_sync().on_subscribed();
  drain();  // the runtime publishes what the twin engine posted
  ASSERT_EQ(session_.messages.size(), 1u);
  EXPECT_EQ(session_.messages[0].topic, "$iothub/twin/GET/?$rid=1");
  EXPECT_FALSE(core_.twin_sync().ready());
  deliver("$iothub/twin/res/200/?$rid=1",
          R"({"desired":{"floor":3,"$version":4},"reported":{"$version":1}})");
  EXPECT_TRUE(core_.twin_sync().ready());
  EXPECT_EQ(core_.twin().version(), 4);
  const Published& report = next_published();
  EXPECT_EQ(report.topic.rfind("$iothub/twin/PATCH/properties/reported/?$rid=", 0), 0u);
  EXPECT_NE(report.payload.find(R"("floor":{"value":3,"ac":200,"av":4)"), std::string::npos)
      << report.payload;
}

TEST_F(TwinSyncTest, AnAnswerForAnotherRequestIsNotTakenForTheGet) {
  core_.twin_sync().on_subscribed();
  drain();
  deliver("$iothub/twin/res/200/?$rid=99", R"({"desired":{"floor":3,"$version":4}})");
  EXPECT_FALSE(core_.twin_sync().ready());
  EXPECT_EQ(core_.twin().version(), 0);
}

TEST_F(TwinSyncTest, ARefusedGetIsNotReadyAndNotAskedAgainBeforeTheNextConnect) {
  core_.twin_sync().on_subscribed();
  drain();
  deliver("$iothub/twin/res/401/?$rid=1", "");
  EXPECT_FALSE(core_.twin_sync().ready());
  EXPECT_EQ(session_.messages.size(), 1u);
}

TEST_F(TwinSyncTest, AChangeNewerThanTheGetsAnswerAsksAgain) {
  core_.twin_sync().on_subscribed();
  drain();
  deliver("$iothub/twin/PATCH/properties/desired/?$version=5", R"({"floor":4,"$version":5})");
  EXPECT_EQ(core_.twin().version(), 0);  // held until the GET's answer
  deliver("$iothub/twin/res/200/?$rid=1", R"({"desired":{"floor":3,"$version":4}})");
  EXPECT_FALSE(core_.twin_sync().ready());
  ASSERT_EQ(session_.messages.size(), 2u);
  EXPECT_EQ(session_.messages[1].topic, "$iothub/twin/GET/?$rid=2");
  deliver("$iothub/twin/res/200/?$rid=2", R"({"desired":{"floor":4,"$version":5}})");
  EXPECT_TRUE(core_.twin_sync().ready());
  EXPECT_EQ(core_.twin().version(), 5);
}

}  // namespace
}  // namespace door::agent
