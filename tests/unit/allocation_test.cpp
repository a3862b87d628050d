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
#include <sys/random.h>
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

int kernel_random(void*, unsigned char* out, std::size_t length) {
  return getrandom(out, length, 0) == static_cast<ssize_t>(length) ? 0 : -1;
}

// A TLS echo server on 127.0.0.1 with mbedtls' test certificate, driven by the same
// loop as the agent's transport, so one thread runs both ends.
class EchoServer {
 public:
  explicit EchoServer(port::EventLoop& loop) : loop_(loop) {
    mbedtls_ssl_config_init(&config_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&certificate_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_init(&ssl_);
    mbedtls_net_init(&client_);
    const auto* crt = reinterpret_cast<const unsigned char*>(mbedtls_test_srv_crt_ec);
    const auto* key = reinterpret_cast<const unsigned char*>(mbedtls_test_srv_key_ec);
    ok_ = mbedtls_ctr_drbg_seed(&drbg_, &kernel_random, nullptr, nullptr, 0) == 0 &&
          mbedtls_x509_crt_parse(&certificate_, crt, mbedtls_test_srv_crt_ec_len) == 0 &&
          mbedtls_pk_parse_key(&key_, key, mbedtls_test_srv_key_ec_len, nullptr, 0) == 0 &&
          mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT) == 0 &&
          mbedtls_ssl_conf_own_cert(&config_, &certificate_, &key_) == 0;
    mbedtls_ssl_conf_rng(&config_, mbedtls_ctr_drbg_random, &drbg_);
    ok_ = ok_ && mbedtls_ssl_setup(&ssl_, &config_) == 0;
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ok_ = ok_ && bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
          listen(listener_, 1) == 0 &&
          getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0 &&
          loop_.add_fd(listener_, EPOLLIN, &listener_handler_).is_ok();
    port_ = ntohs(address.sin_port);
  }
  ~EchoServer() {
    if (client_.fd >= 0) loop_.remove_fd(client_.fd, &client_handler_);
    loop_.remove_fd(listener_, &listener_handler_);
    close(listener_);
    mbedtls_net_free(&client_);
    mbedtls_ssl_free(&ssl_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&certificate_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_ssl_config_free(&config_);
  }
  bool ok() const { return ok_; }
  int port() const { return port_; }

 private:
  void on_listener(uint32_t) {
    client_.fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client_.fd < 0) return;
    mbedtls_ssl_set_bio(&ssl_, &client_, mbedtls_net_send, mbedtls_net_recv, nullptr);
    ok_ = ok_ && loop_.add_fd(client_.fd, EPOLLIN | EPOLLOUT | EPOLLET, &client_handler_).is_ok();
    on_client(0);
  }
  void on_client(uint32_t) {
    if (!handshaken_) {
      const int rc = mbedtls_ssl_handshake(&ssl_);
      if (rc != 0) {
        ok_ = ok_ && (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
        return;
      }
      handshaken_ = true;
    }
    while (true) {  // echo all there is
      if (pending_ == 0) {
        const int n = mbedtls_ssl_read(&ssl_, echo_, sizeof echo_);
        if (n <= 0) return;
        pending_ = static_cast<std::size_t>(n);
      }
      const int n = mbedtls_ssl_write(&ssl_, echo_, pending_);
      if (n <= 0) return;
      pending_ = 0;
    }
  }

  port::EventLoop& loop_;
  mbedtls_ssl_config config_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt certificate_;
  mbedtls_pk_context key_;
  mbedtls_ssl_context ssl_;
  mbedtls_net_context client_;
  int listener_ = -1;
  int port_ = 0;
  bool ok_ = false;
  bool handshaken_ = false;
  unsigned char echo_[1024];
  std::size_t pending_ = 0;
  port::MemberFd<EchoServer, &EchoServer::on_listener> listener_handler_{*this};
  port::MemberFd<EchoServer, &EchoServer::on_client> client_handler_{*this};
};

struct TransportOutcome final : TlsTransport::Observer {
  void on_transport_ready(uint16_t port) override { hop_port = port; }
  void on_transport_failed(ConnectFailure, const char* text) override { failure = text; }
  uint16_t hop_port = 0;
  std::string failure;
};

TEST(TlsSession, ARoundTripThroughTheHopAndMbedtlsAllocatesNothing) {
  port::EventLoop loop;
  EchoServer server(loop);
  ASSERT_TRUE(server.ok());
  SessionOptions options;
  options.host = "localhost";
  options.port = server.port();
  // The handshake is not what this measures (and mbedtls' test certificate has expired).
  options.verify_server = false;
  TransportOutcome outcome;
  TlsTransport transport(loop, outcome);
  ASSERT_TRUE(transport.configure(options).is_ok());
  transport.start();
  while (outcome.hop_port == 0 && outcome.failure.empty() && server.ok()) loop.run_once(-1);
  ASSERT_NE(outcome.hop_port, 0) << outcome.failure;
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
