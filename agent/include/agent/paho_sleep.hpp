#pragma once
// Paho MQTT C's receive thread sleeps 100 ms (MQTTAsync_sleep, which calls usleep) whenever it
// finds no socket to wait on, as when its thread starts before the client's socket is open: the
// connection then waits for nothing for up to 100 ms (start-up took 31-45 ms or 100 ms more).
// The agent defines usleep for its process (Paho's library calls it instead of the C library's):
// while a session connects its sleeps last at most kConnectingSleepUs; otherwise as asked.
#include <cstdint>

namespace door::agent {

// Sleeps are capped from connecting(true) to connecting(false); each session calls each once per
// connection attempt, and the cap holds while any session connects.
void paho_connecting(bool on);

}  // namespace door::agent
