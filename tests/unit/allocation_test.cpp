// The message path allocates nothing: counted with a replaced operator new (C++ code anywhere in
// the process) and with the linker's --wrap of malloc, calloc and realloc (C calls made from the
// agent's own objects).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "agent/config.hpp"
#include "agent/dialect.hpp"
#include "agent/inbox.hpp"
#include "agent/message_handler.hpp"
#include "agent/methods.hpp"

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
    return true;
  }
  const char* topic() const { return topic_; }
  const char* payload() const { return payload_; }
  int count() const { return count_; }

 private:
  char topic_[kMaxTopicLength + 1] = {};
  char payload_[kOutboxPayloadBytes] = {};
  int count_ = 0;
};

class Echo final : public MethodHandler {
 public:
  int call(std::string_view payload, port::TextWriter& response) override {
    response.add(R"({"echo":)").add(payload).add('}');
    return 200;
  }
};

class MessagePath : public ::testing::Test {
 protected:
  MessagePath() {
    settings_.hub = HubDialect::mqtt;
    settings_.device_id = "door-1";
    settings_.host = "localhost";
    dialect_ = make_dialect(settings_);
    methods_.add("echo", echo_);
    handler_ = std::make_unique<MessageHandler>(*dialect_, methods_, publisher_);
    inbox_ = std::make_unique<Inbox>(wake_);
  }

  // Pushes one message through the inbox and the handler; returns the allocations made.
  long deliver(const std::string& topic, const std::string& payload) {
    const long before = g_allocations.load();
    inbox_->push_message(topic, payload.data(), payload.size());
    handler_->handle(*inbox_->peek_message());
    inbox_->release_message();
    return g_allocations.load() - before;
  }

  ConnectionSettings settings_;
  std::unique_ptr<Dialect> dialect_;
  Echo echo_;
  MethodTable methods_;
  RecordingPublisher publisher_;
  std::unique_ptr<MessageHandler> handler_;
  port::EventFd wake_;
  std::unique_ptr<Inbox> inbox_;
};

TEST_F(MessagePath, AnsweredMethodAllocatesNothing) {
  deliver("devices/door-1/methods/POST/echo/?$rid=0", "1");  // warm-up: lazy runtime set-up
  EXPECT_EQ(deliver("devices/door-1/methods/POST/echo/?$rid=1", R"({"x":1})"), 0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/200/?$rid=1");
  EXPECT_STREQ(publisher_.payload(), R"({"echo":{"x":1}})");
}

TEST_F(MessagePath, RefusalsAllocateNothing) {
  deliver("devices/door-1/methods/POST/nope/?$rid=0", "{}");
  EXPECT_EQ(deliver("devices/door-1/methods/POST/nope/?$rid=2", "{}"), 0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/404/?$rid=2");
  EXPECT_EQ(
      deliver("devices/door-1/methods/POST/echo/?$rid=3", std::string(kMaxPayloadBytes + 1, 'x')),
      0);
  EXPECT_STREQ(publisher_.topic(), "devices/door-1/methods/res/413/?$rid=3");
  const int published = publisher_.count();
  EXPECT_EQ(deliver("devices/door-2/methods/POST/echo/?$rid=4", "{}"), 0);
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
