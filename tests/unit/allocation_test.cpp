// The message path allocates nothing: counted with a replaced operator new (C++ code anywhere in
// the process) and with the linker's --wrap of malloc, calloc and realloc (C calls made from the
// agent's own objects and from mbedtls, whose static archives are linked in). The TLS session's
// steady state (the loopback hop and mbedtls, both ways) allocates nothing either.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <arpa/inet.h>
#include <mbedtls/certs.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/config.hpp"
#include "agent/dialect.hpp"
#include "agent/door_core.hpp"
#include "agent/inbox.hpp"
#include "agent/output_publisher.hpp"
#include "core_test_support.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "tls_echo_server.hpp"
#include "tls_transport.hpp"
#include "unit_test_support.hpp"

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

// Keeps the last answer or report in fixed buffers, as the session hands it to Paho, and counts
// door events.
class RecordingPublisher final : public TrackedPublisher {
 public:
  port::Result<int> publish_tracked(const char* topic, std::string_view payload) override {
    const port::Status published = publish(topic, payload, 1, false);
    if (!published.is_ok()) return published;
    return ++tokens_;
  }
  port::Status publish(const char* topic, std::string_view payload, int, bool) override {
    if (std::strstr(topic, "/messages/events/") != nullptr) {
      ++events_;  // counted; topic() and payload() show the last answer or report
      return port::Status::ok();
    }
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
    return port::Status::ok();
  }
  const char* topic() const { return topic_; }
  const char* payload() const { return payload_; }
  int count() const { return count_; }
  int events() const { return events_; }
  // Method answers only: a report can go out while a method waits for its answer.
  int responses() const { return responses_; }
  const char* response_topic() const { return response_topic_; }

 private:
  int events_ = 0;
  int tokens_ = 0;
  char topic_[kMaxTopicLength + 1] = {};
  char payload_[kOutboxPayloadBytes] = {};
  int count_ = 0;
  int responses_ = 0;
  char response_topic_[kMaxTopicLength + 1] = {};
};

// The real message path: broker dialect, the door core (door methods, lock actuator on the fake
// GPIO with feedback, desired properties) built as the agent builds it, its outbox drained after
// each message and each loop batch as the agent drains it.
class MessagePath : public ::testing::Test {
 protected:
  MessagePath() {
    EXPECT_TRUE(core_.start().is_ok());
    // A real journal: an event is appended, synced on the syncer's thread and sent.
    EXPECT_TRUE(events_.start(state_path_ + ".events", kMinJournalEvents).is_ok());
    EXPECT_TRUE(events_.journal().is_open());
    events_.on_online();
    loop_.set_batch_end(&drain_handler_);
    drain();
    core_.twin_sync().on_subscribed();  // connected and ready, as after a connect
  }

  void drain() { (void)outputs_.drain(core_); }

  // Pushes one message through the inbox and the handler; returns the allocations made.
  long deliver(const std::string& topic, const std::string& payload) {
    const long before = g_allocations.load();
    EXPECT_EQ(inbox_.push_message(topic, payload.data(), payload.size()), Inbox::Taken::copied);
    core_.handle(*inbox_.peek_message());
    inbox_.release_message();
    drain();
    return g_allocations.load() - before;
  }

  ConnectionSettings settings_ = broker_device();
  DoorSettings door_ = fake_door();
  port::EventLoop loop_;
  std::unique_ptr<Dialect> dialect_ = make_dialect(settings_);
  RecordingPublisher publisher_;
  std::string state_path_ = fresh_state_path("allocation-state-");
  DoorCore core_{loop_, *dialect_, door_, state_path_};
  EventForwarder events_{loop_, *dialect_, publisher_};
  OutputPublisher outputs_{*dialect_, publisher_, events_};
  port::MemberTimer<MessagePath, &MessagePath::drain> drain_handler_{*this};
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
  EXPECT_EQ(core_.twin().version(), 2);
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
  // The door events go out once the journal's syncer has made them durable, paced by the loop.
  const long before = g_allocations.load();
  while (publisher_.events() < 2) loop_.run_once(1000);  // unlocked, locked
  EXPECT_EQ(g_allocations.load() - before, 0);
}

TEST_F(MessagePath, ADeferredAnswerAllocatesNothing) {
  const port::Status stuck = core_.hardware().fake_gpio()->execute("stick FEEDBACK");
  ASSERT_TRUE(stuck.is_ok()) << stuck.reason();
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

TEST_F(MessagePath, TheCounterSeesMbedtlsAllocations) {  // mbedtls is linked so the wrap sees it
  mbedtls_x509_crt certificate;
  mbedtls_x509_crt_init(&certificate);
  const long before = g_allocations.load();
  ASSERT_EQ(mbedtls_x509_crt_parse(&certificate,
                                   reinterpret_cast<const unsigned char*>(mbedtls_test_cas_pem),
                                   mbedtls_test_cas_pem_len),
            0);
  EXPECT_GE(g_allocations.load() - before, 1);
  mbedtls_x509_crt_free(&certificate);
}

TEST(TlsSession, ARoundTripThroughTheHopAndMbedtlsAllocatesNothing) {
  port::EventLoop loop;
  EchoServer server(loop);
  ASSERT_TRUE(server.ok());
  TransportOutcome outcome;
  TlsTransport transport(loop, outcome);
  ASSERT_TRUE(open_hop(loop, server, transport, outcome)) << outcome.failure;
  const int paho = test::connect_to_loopback(outcome.hop_port);
  ASSERT_GE(paho, 0);

  // One round trip: an MQTT-sized packet to the server and its echo back, as a method call and
  // its answer cross the hop.
  const auto round_trip = [&] {
    char packet[200];
    std::memset(packet, 'm', sizeof packet);
    if (write(paho, packet, sizeof packet) != static_cast<ssize_t>(sizeof packet)) return false;
    std::size_t got = 0;
    while (got < sizeof packet) {
      const ssize_t n = recv(paho, packet, sizeof packet - got, MSG_DONTWAIT);
      if (n > 0) {
        got += static_cast<std::size_t>(n);
      } else {
        loop.run_once(-1);  // the hop and the server move it along
      }
    }
    return true;
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(round_trip());  // warm-up
  const long before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(round_trip());
  EXPECT_EQ(g_allocations.load() - before, 0) << "allocations in 1000 round trips";
  close(paho);
}

}  // namespace
}  // namespace door::agent
