// The loopback hop stays open until Paho's connection is in, however late it comes: a timer that
// closed it would free its port for another local process to bind, which would then take Paho's
// CONNECT (the broker password or the SAS token) and could play the broker.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "tls_echo_server.hpp"
#include "unit_test_support.hpp"

namespace door::agent {
namespace {

using Clock = std::chrono::steady_clock;

TEST(TlsTransport, TheHopWaitsForTheMqttClientPastTheHandshakeTimeout) {
  port::EventLoop loop;
  EchoServer server(loop);
  ASSERT_TRUE(server.ok());
  TransportOutcome outcome;
  TlsTransport transport(loop, outcome);
  ASSERT_TRUE(open_hop(loop, server, transport, outcome)) << outcome.failure;

  // The client is late (a flood of local connections delays it): past the 10 s the connection and
  // its handshake get. Nothing happens meanwhile but timers, so the loop runs until then.
  const Clock::time_point late = Clock::now() + std::chrono::seconds(11);
  for (Clock::time_point now = Clock::now(); now < late; now = Clock::now()) {
    loop.run_once(static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(late - now).count() + 1));
  }
  ASSERT_TRUE(outcome.failure.empty()) << outcome.failure;
  const int paho = test::connect_to_loopback(outcome.hop_port);
  ASSERT_GE(paho, 0) << "the hop was closed before the MQTT client came";

  const char packet[] = "CONNECT";
  ASSERT_EQ(write(paho, packet, sizeof packet), static_cast<ssize_t>(sizeof packet));
  char echoed[sizeof packet] = {};
  std::size_t got = 0;
  while (got < sizeof packet && server.ok()) {
    const ssize_t n = recv(paho, echoed + got, sizeof echoed - got, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else {
      ASSERT_TRUE(n < 0 && errno == EAGAIN) << "the hop closed the client's connection";
      loop.run_once(-1);  // the hop and the server move it along
    }
  }
  EXPECT_EQ(std::memcmp(echoed, packet, sizeof packet), 0);
  close(paho);
}

}  // namespace
}  // namespace door::agent
