#pragma once
// Protocol-level limits shared by the agent and the scheduler. Buffer capacities derived from them
// live in agent/include/agent/capacities.hpp.
#include <cstddef>

namespace door::protocol {

// IoT Hub allows 128 characters for device ids.
constexpr std::size_t kMaxDeviceIdLength = 128;
// Method names and request ids are echoed into topics; longer ones are refused, never cut.
constexpr std::size_t kMaxMethodNameLength = 64;
constexpr std::size_t kMaxRequestIdLength = 64;

}  // namespace door::protocol
