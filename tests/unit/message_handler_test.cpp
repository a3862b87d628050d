// The dispatcher: each method call's answer (rid, status, body) is posted to the outbox, never
// published from here; refusals say why.
#include "agent/message_handler.hpp"

#include <gtest/gtest.h>

#include <string>

#include "agent/dialect.hpp"
#include "agent/inbox.hpp"
#include "agent/outbox.hpp"
#include "core_test_support.hpp"
#include "port/event_fd.hpp"

namespace door::agent {
namespace {

class NoTwin final : public TwinListener {
 public:
  void on_twin_response(int, std::string_view, std::string_view) override {}
  void on_twin_response_too_large(int, std::string_view) override {}
  void on_desired(bool, int64_t, std::string_view) override { ++desired; }
  int desired = 0;
};

class Answers final : public MethodHandler {
 public:
  int call(const MethodCall& call, port::TextWriter& response) override {
    ++calls;
    response.add(R"({"echo":")").add(call.payload).add("\"}");
    return 200;
  }
  int calls = 0;
};

// Claims to answer later but never does, or writes more than fits: a broken handler.
class Broken final : public MethodHandler {
 public:
  int call(const MethodCall&, port::TextWriter& response) override {
    response.add(std::string(kOutboxPayloadBytes + 1, 'x'));
    return 200;
  }
};

class Later final : public MethodHandler {
 public:
  int call(const MethodCall& call, port::TextWriter&) override {
    rid = std::string(call.rid);
    return kReplyLater;
  }
  std::string rid;
};

class MessageHandlerTest : public ::testing::Test {
 protected:
  MessageHandlerTest() {
    EXPECT_TRUE(methods_.add("ping", answers_).is_ok());
    EXPECT_TRUE(methods_.add("broken", broken_).is_ok());
    EXPECT_TRUE(methods_.add("later", later_).is_ok());
  }

  void deliver(const std::string& topic, const std::string& payload,
               RetainFlag retain = RetainFlag::clear) {
    deliver_to(handler_, topic, payload, retain);
  }
  void deliver_to(MessageHandler& handler, const std::string& topic, const std::string& payload,
                  RetainFlag retain) {
    ASSERT_EQ(inbox_.push_message(topic, payload.data(), payload.size(), {}, retain),
              Inbox::Taken::copied);
    handler.handle(*inbox_.peek_message());
    inbox_.release_message();
  }

  ConnectionSettings settings_ = broker_device();
  std::unique_ptr<Dialect> dialect_ = make_dialect(settings_);
  MethodTable methods_;
  Answers answers_;
  Broken broken_;
  Later later_;
  Outbox outbox_;
  NoTwin twin_;
  MessageHandler handler_{*dialect_, methods_, outbox_, twin_};
  port::EventFd wake_;
  Inbox inbox_{wake_};
};

TEST_F(MessageHandlerTest, AnAnswerIsPostedWithItsRidMethodStatusAndBody) {
  deliver("devices/door-1/methods/POST/ping/?$rid=41", "hi");
  const Output* answer = outbox_.peek();
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->kind, OutputKind::method_answer);
  EXPECT_EQ(answer->rid_view(), "41");
  EXPECT_EQ(answer->method_view(), "ping");
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body_view(), R"({"echo":"hi"})");
  outbox_.pop();
  EXPECT_EQ(outbox_.peek(), nullptr);
}

TEST_F(MessageHandlerTest, AnUnknownMethodIsAnswered404NamingIt) {
  deliver("devices/door-1/methods/POST/openWide/?$rid=1", "{}");
  const Output* answer = outbox_.peek();
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->status, 404);
  EXPECT_EQ(answer->body_view(), R"({"message":"unknown method 'openWide'"})");
}

TEST_F(MessageHandlerTest, AnOversizePayloadIsAnswered413WithoutCallingTheHandler) {
  deliver("devices/door-1/methods/POST/ping/?$rid=2", std::string(kMaxPayloadBytes + 1, 'x'));
  const Output* answer = outbox_.peek();
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->status, 413);
  EXPECT_NE(answer->body_view().find("larger than the limit"), std::string_view::npos);
}

TEST_F(MessageHandlerTest, AHandlerWhoseAnswerDoesNotFitIsAnswered500) {
  deliver("devices/door-1/methods/POST/broken/?$rid=3", "{}");
  const Output* answer = outbox_.peek();
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->status, 500);
  EXPECT_EQ(answer->body_view(), R"({"message":"the method did not produce a response"})");
}

TEST_F(MessageHandlerTest, ADeferredCallPostsNothingAndHandsTheRidToItsHandler) {
  deliver("devices/door-1/methods/POST/later/?$rid=9", "{}");
  EXPECT_EQ(outbox_.peek(), nullptr);
  EXPECT_EQ(later_.rid, "9");
}

// A retained request comes again at every connect: it is answered 400 and never run, in both
// dialects (IoT Hub never sets the flag, but the agent refuses it there too).
TEST_F(MessageHandlerTest, ARetainedMethodRequestIsAnswered400AndNeverRun) {
  ConnectionSettings azure_settings;
  azure_settings.hub = HubDialect::azure;
  azure_settings.device_id = "door-1";
  azure_settings.hub_host_name = "hub.example.net";
  const std::unique_ptr<Dialect> azure = make_dialect(azure_settings);
  MessageHandler azure_handler{*azure, methods_, outbox_, twin_};

  deliver("devices/door-1/methods/POST/ping/?$rid=5", "{}", RetainFlag::set);
  deliver_to(azure_handler, "$iothub/methods/POST/ping/?$rid=6", "{}", RetainFlag::set);
  for (const char* rid : {"5", "6"}) {
    const Output* answer = outbox_.peek();
    ASSERT_NE(answer, nullptr) << rid;
    EXPECT_EQ(answer->rid_view(), rid);
    EXPECT_EQ(answer->status, 400);
    EXPECT_EQ(answer->body_view(), R"({"message":"a retained method request is not executed"})");
    outbox_.pop();
  }
  EXPECT_EQ(answers_.calls, 0);
  deliver("devices/door-1/methods/POST/ping/?$rid=7", "{}");  // the same request, live
  EXPECT_EQ(answers_.calls, 1);
}

TEST_F(MessageHandlerTest, TwinMessagesGoToTheTwinAndForeignTopicsAreIgnored) {
  deliver("devices/door-1/twin/desired", R"({"$version":1})");
  deliver("devices/door-2/methods/POST/ping/?$rid=1", "{}");
  EXPECT_EQ(twin_.desired, 1);
  EXPECT_TRUE(outbox_.empty());
}

TEST(MethodTable, ANameAddedTwiceOrPastTheTableIsRefused) {
  MethodTable table;
  Answers answers;
  ASSERT_TRUE(table.add("ping", answers).is_ok());
  const port::Status twice = table.add("ping", answers);
  EXPECT_EQ(twice, port::Status::invalid());
  EXPECT_STREQ(twice.reason(), "method ping is added twice");
  const char* names[] = {"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"};
  static_assert(std::size(names) == MethodTable::kMaxMethods);
  for (std::size_t i = 1; i < MethodTable::kMaxMethods; ++i) {
    ASSERT_TRUE(table.add(names[i], answers).is_ok());
  }
  EXPECT_EQ(table.add(names[0], answers), port::Status::full());
  EXPECT_EQ(table.find("m8"), &answers);
}

}  // namespace
}  // namespace door::agent
