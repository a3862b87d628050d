#pragma once
// A door event as a device publishes it on devices/{id}/messages/events/ (broker dialect), read
// from hostile input: a message that is not a well-formed event of a valid device id is refused
// with a one-line reason, never half taken.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scheduler/broker_link.hpp"

namespace door::scheduler {

// Every device's events, the subscription of monitor, record and serve.
constexpr const char* kFleetEventsSubscription = "devices/+/messages/events/#";
// An agent's event is about 1 KiB; anything much larger is not one.
constexpr std::size_t kMaxEventPayload = 4096;

struct DoorEvent {
  std::string device_id;
  std::optional<int64_t> seq;  // absent from older agents' events: they cannot be deduplicated
  int64_t received = 0;        // Unix seconds
  std::optional<int64_t> at;   // the device's time; absent while its clock was not set
  std::string event;           // locked, unlocked, fault, opened, closed, state, alarm, ...
  std::string alarm;           // alarm events: forcedOpen, heldOpen, lockTamper
  std::optional<bool> active;  // alarm events: raised or cleared
  // eventsDropped: the seqs the device's full journal dropped, which will never come.
  std::optional<int64_t> dropped_from;
  std::optional<int64_t> dropped_to;
  std::string payload;  // as published

  // When it happened, as well as is known.
  int64_t time() const { return at.value_or(received); }
};

// The device id of devices/{id}/..., or empty.
std::string device_of(std::string_view topic);

// The event a message carries; false with the reason (one line, no payload text) for anything
// else: not an events topic of a valid device id, retained (an old copy: events never are), too
// large, not one JSON object, members of the wrong type or range.
bool parse_door_event(const Message& message, int64_t received, DoorEvent& out,
                      std::string& reason);

}  // namespace door::scheduler
