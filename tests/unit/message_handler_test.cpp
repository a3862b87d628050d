// The message path's answers when the session cannot take them.
#include "agent/message_handler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/dialect.hpp"
#include "agent/inbox.hpp"
#include "port/event_fd.hpp"

namespace door::agent {
namespace {

// A session that refuses every message, as Paho does when its client is gone or its queue full.
class RefusingPublisher final : public Publisher {
 public:
  bool publish(const char* topic, std::string_view, int, bool) override {
    topics.emplace_back(topic);
    return false;
  }
  std::vector<std::string> topics;
};

class NoTwin final : public TwinListener {
 public:
  void on_twin_response(int, std::string_view, std::string_view) override {}
  void on_twin_response_too_large(int, std::string_view) override {}
  void on_desired(bool, int64_t, std::string_view) override {}
};

class Answers final : public MethodHandler {
 public:
  int call(const MethodCall&, port::TextWriter& response) override {
    response.add("{}");
    return 200;
  }
};

TEST(MessageHandler, AResponseTheSessionRefusesIsCountedAndTheNextOneStillGoesOut) {
  ConnectionSettings settings;
  settings.hub = HubDialect::mqtt;
  settings.device_id = "door-1";
  settings.host = "localhost";
  const std::unique_ptr<Dialect> dialect = make_dialect(settings);
  MethodTable methods;
  Answers answers;
  ASSERT_TRUE(methods.add("ping", answers));
  RefusingPublisher publisher;
  NoTwin twin;
  MessageHandler handler(*dialect, methods, publisher, twin);
  port::EventFd wake;
  Inbox inbox(wake);
  for (const char* rid : {"1", "2"}) {
    const std::string topic = std::string("devices/door-1/methods/POST/ping/?$rid=") + rid;
    ASSERT_EQ(inbox.push_message(topic, "{}", 2), Inbox::Taken::copied);
    handler.handle(*inbox.peek_message());
    inbox.release_message();
  }
  EXPECT_EQ(publisher.topics, (std::vector<std::string>{"devices/door-1/methods/res/200/?$rid=1",
                                                        "devices/door-1/methods/res/200/?$rid=2"}));
  EXPECT_EQ(handler.unsent_responses(), 2u);
}

}  // namespace
}  // namespace door::agent
