// The MQTT session's boundary: what it reports is in the agent's words (session_types.hpp), never
// Paho's codes, and the runtime's decisions (retry soon or at the longest delay) follow from them.
#include "agent/mqtt_session.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "agent/inbox.hpp"
#include "port/event_fd.hpp"
#include "port/event_loop.hpp"

namespace door::agent {
namespace {

TEST(MqttSession, ANetworkFailureArrivesAsAConnectFailureInTheAgentsWords) {
  port::EventLoop loop;
  port::EventFd wake;
  Inbox inbox(wake);
  MqttSession session(inbox, loop);
  SessionOptions options;
  options.server_uri = "ssl://127.0.0.1:1";
  options.host = "127.0.0.1";
  options.port = 1;  // nothing listens on port 1: refused at once
  options.client_id = "door-1";
  options.verify_server = false;
  ASSERT_TRUE(session.create(options).is_ok());
  ASSERT_TRUE(session.connect(nullptr).is_ok());
  SessionEvent event{};
  bool failed = false;
  while (true) {
    while (!failed && inbox.pop_event(event)) {
      if (event.kind == SessionEventKind::connect_failed) failed = true;
    }
    if (failed) break;
    loop.run_once(1000);  // the TLS connection is driven by the loop
  }
  EXPECT_EQ(event.failure, ConnectFailure::network);
  EXPECT_FALSE(credentials_refused(event.failure));
  EXPECT_FALSE(session.connected());
}

SessionOptions local_options() {
  SessionOptions options;
  options.server_uri = "ssl://127.0.0.1:1";
  options.host = "127.0.0.1";
  options.port = 1;
  options.client_id = "door-1";
  options.verify_server = false;
  return options;
}

TEST(MqttSession, APublishRefusedByADisconnectedSessionIsUnavailableWithNoText) {
  port::EventLoop loop;
  port::EventFd wake;
  Inbox inbox(wake);
  MqttSession session(inbox, loop);
  ASSERT_TRUE(session.create(local_options()).is_ok());
  const port::Status published = session.publish("devices/door-1/status", "{}", 1, true);
  EXPECT_EQ(published, port::Status::unavailable());
  // The message path writes no reason: the status holds only its code (the session logs why).
  EXPECT_STREQ(published.reason(), published.text());
  const port::Status success = port::Status::ok();
  EXPECT_STREQ(success.reason(), "ok");
}

TEST(MqttSession, CallsItCannotMakeFailWithTheirReason) {
  port::EventLoop loop;
  port::EventFd wake;
  Inbox inbox(wake);
  MqttSession session(inbox, loop);
  ASSERT_TRUE(session.create(local_options()).is_ok());
  const port::Status none = session.subscribe(nullptr, 0);
  EXPECT_EQ(none, port::Status::invalid());
  EXPECT_STREQ(none.reason(), "mqtt: 0 subscriptions asked for; 1 to 5 can be made");
  const std::string password(kMaxSasTokenLength, 'p');  // no room for its NUL
  const port::Status too_long = session.connect(password.c_str());
  EXPECT_EQ(too_long, port::Status::too_large());
  EXPECT_NE(std::strstr(too_long.reason(), "the password is longer than"), nullptr);
  EXPECT_FALSE(session.connected());
}

TEST(MqttSession, TlsSettingsThatCannotBeLoadedFailCreateWithTheReason) {
  port::EventLoop loop;
  port::EventFd wake;
  Inbox inbox(wake);
  MqttSession session(inbox, loop);
  SessionOptions options = local_options();
  options.verify_server = true;
  options.ca_file = "/nonexistent/ca.pem";
  const port::Status created = session.create(options);
  EXPECT_EQ(created, port::Status::invalid());
  EXPECT_EQ(std::string(created.reason())
                .rfind("tls: cannot read the trusted certificates in /nonexistent/ca.pem: ", 0),
            0u)
      << created.reason();
}

TEST(SessionTypes, RefusalsOfTheCredentialsAloneWaitTheLongestDelay) {
  EXPECT_TRUE(credentials_refused(ConnectFailure::refused_bad_credentials));
  EXPECT_TRUE(credentials_refused(ConnectFailure::refused_not_authorised));
  for (ConnectFailure f :
       {ConnectFailure::refused_server_unavailable, ConnectFailure::refused_client_id,
        ConnectFailure::tls_untrusted, ConnectFailure::tls_wrong_host, ConnectFailure::network}) {
    EXPECT_FALSE(credentials_refused(f)) << describe(f);
  }
}

TEST(SessionTypes, EachReasonKeepsTheWordsUsersSawBefore) {
  EXPECT_STREQ(describe(ConnectFailure::refused_bad_credentials),
               "refused: bad user name or password");
  EXPECT_STREQ(describe(ConnectFailure::refused_not_authorised), "refused: not authorised");
  EXPECT_STREQ(describe(ConnectFailure::refused_server_unavailable), "refused: server unavailable");
  EXPECT_STREQ(describe(ConnectFailure::tls_wrong_host),
               "the server's certificate is not for this host name");
  EXPECT_NE(std::strstr(describe(ConnectFailure::tls_untrusted), "certificate verify failed"),
            nullptr);
  EXPECT_NE(std::strstr(describe(ConnectFailure::tls_handshake), "did not answer with TLS"),
            nullptr);
  EXPECT_STREQ(describe(ConnectFailure::network), "TCP or TLS connection failed");
}

}  // namespace
}  // namespace door::agent
