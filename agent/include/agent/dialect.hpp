#pragma once
// A hub dialect maps the agent's model onto topics and credentials: Azure IoT Hub's `$iothub/...`
// device API, or the device-scoped `devices/{id}/...` topics on any MQTT broker
// (DESIGN.md 5.1, 5.2).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/config.hpp"
#include "agent/publisher.hpp"
#include "agent/session_types.hpp"
#include "port/status.hpp"
#include "port/text_writer.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual const char* name() const = 0;
  virtual SessionOptions session_options() const = 0;
  // The password for the next connect: a fresh SAS token (Azure) or the configured password.
  virtual port::Status make_password(port::TextWriter& out) const = 0;
  // How long after connecting the credential must be renewed by reconnecting; -1 for never.
  virtual int64_t renew_after_ms() const = 0;
  virtual std::size_t subscriptions(Subscription (&out)[kMaxSubscriptions]) const = 0;
  // Where the agent publishes a probe after subscribing, to confirm the broker delivers what it
  // granted on the method subscription; nullptr when no probe is needed (IoT Hub delivers what it
  // grants).
  virtual const char* probe_topic() const { return nullptr; }
  virtual protocol::InboundTopic parse(std::string_view topic) const = 0;
  virtual port::Status format_method_response(port::TextWriter& out, int status,
                                              std::string_view rid) const = 0;
  // Where a door event goes: the events topic, which IoT Hub's dialect gives the message's
  // properties (its content type and the event's type, for message routing).
  virtual port::Status format_event_topic(port::TextWriter& out,
                                          std::string_view event_type) const = 0;
  // IoT Hub's twin GET (the full twin, fetched after every connect); unavailable for a broker,
  // where the retained desired document arrives with the subscription.
  virtual port::Status format_twin_get(port::TextWriter& out, std::string_view rid) const = 0;
  // Where reported properties go: IoT Hub's reported PATCH (merged by the hub, answered with 204,
  // null deletes), or the broker's retained full reported document.
  virtual port::Status format_reported(port::TextWriter& out, std::string_view rid) const = 0;
  virtual bool reports_are_patches() const = 0;
  // Tells the service the agent is online (after subscribing) or going offline (clean stop).
  // A failure when the announcement could not be written or queued for sending.
  virtual port::Status announce_online(Publisher& publisher) = 0;
  virtual port::Status announce_offline(Publisher& publisher) = 0;
};

std::unique_ptr<Dialect> make_dialect(const ConnectionSettings& settings);

}  // namespace door::agent
