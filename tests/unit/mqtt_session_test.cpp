// The MQTT session's boundary: what it reports is in the agent's words (session_types.hpp), never
// Paho's codes, and the runtime's decisions (retry soon or at the longest delay) follow from them.
#include "agent/mqtt_session.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>

#include "agent/inbox.hpp"
#include "port/event_fd.hpp"

namespace door::agent {
namespace {

TEST(MqttSession, ANetworkFailureArrivesAsAConnectFailureInTheAgentsWords) {
  port::EventFd wake;
  Inbox inbox(wake);
  MqttSession session(inbox);
  SessionOptions options;
  options.server_uri = "ssl://127.0.0.1:1";  // nothing listens on port 1: refused at once
  options.client_id = "door-1";
  ASSERT_TRUE(session.create(options));
  ASSERT_TRUE(session.connect(nullptr));
  SessionEvent event{};
  bool failed = false;
  while (!failed) {
    pollfd p{wake.fd(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, -1), 1);
    wake.drain();
    while (inbox.pop_event(event)) {
      if (event.kind == SessionEventKind::connect_failed) failed = true;
    }
  }
  EXPECT_EQ(event.failure, ConnectFailure::network);
  EXPECT_FALSE(credentials_refused(event.failure));
  EXPECT_FALSE(session.connected());
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
