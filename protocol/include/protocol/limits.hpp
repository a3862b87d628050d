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
// Longest topic accepted or sent: "devices/{id}/methods/POST/{name}/?$rid={rid}" with the longest
// id, name and rid is 285 bytes; longer topics are not ours and are refused.
constexpr std::size_t kMaxTopicLength = 320;

}  // namespace door::protocol
