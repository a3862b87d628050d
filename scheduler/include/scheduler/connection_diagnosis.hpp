#pragma once
// Why a connection to the broker failed, in one line: Paho says only that it failed, so the steps
// are tried again one by one (the files, the name, TCP, the TLS handshake and its verification)
// and the first that fails is named. Only on the failure path: a connection that works costs
// nothing more.
#include <string>

#include "scheduler/broker_client.hpp"

namespace door::scheduler {

// A reason when a file the settings name cannot be read (--ca, --cert, --key), else empty.
std::string unreadable_file(const BrokerSettings& settings);
// The first step of a connection to the broker that fails: the host name does not resolve,
// nothing accepts the connection, the TLS certificate is not trusted or does not name the host,
// or the handshake fails otherwise.
std::string diagnose_connection(const BrokerSettings& settings);

}  // namespace door::scheduler
