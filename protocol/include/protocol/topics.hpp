#pragma once
// Topic codecs for both hub dialects (DESIGN.md section 5). Pure functions: parsing returns views
// into the topic, formatting writes into a caller buffer and fails rather than truncating: invalid
// for an identifier a topic cannot carry, too_large when the buffer runs out.
#include <cstdint>
#include <string_view>

#include "port/status.hpp"
#include "port/text_writer.hpp"

namespace door::protocol {

enum class InboundKind {
  none,              // not a topic of ours, or malformed
  method_request,    // method, rid
  twin_response,     // status, rid, version (when the hub sends it)
  desired_patch,     // version
  desired_document,  // broker dialect: the retained full desired document
};

struct InboundTopic {
  InboundKind kind = InboundKind::none;
  std::string_view method;
  std::string_view rid;
  int status = 0;
  int64_t version = -1;
};

// Identifier checks. Device ids, method names and request ids become topic levels, so they are
// limited to characters that are neither MQTT wildcards nor separators.
bool valid_device_id(std::string_view id);
bool valid_method_name(std::string_view name);
bool valid_request_id(std::string_view rid);
// The members of the reported properties the device writes itself ("door", "agent",
// "eventJournal"), not acknowledgements of desired keys: a desired key of such a name is refused.
bool device_reported_member(std::string_view key);

namespace azure {

constexpr std::string_view kMethodsSubscription = "$iothub/methods/POST/#";
constexpr std::string_view kTwinResponseSubscription = "$iothub/twin/res/#";
constexpr std::string_view kDesiredPatchSubscription = "$iothub/twin/PATCH/properties/desired/#";

InboundTopic parse(std::string_view topic);

port::Status format_method_response(port::TextWriter& out, int status, std::string_view rid);
port::Status format_twin_get(port::TextWriter& out, std::string_view rid);
port::Status format_reported_patch(port::TextWriter& out, std::string_view rid);
// A device-to-cloud message with its properties in the topic's property bag: content type JSON,
// encoding UTF-8 and the application property eventType (letters only), which hub message routing
// can select on: devices/{id}/messages/events/$.ct=application%2Fjson&$.ce=utf-8&eventType={type}
port::Status format_telemetry(port::TextWriter& out, std::string_view device_id,
                              std::string_view event_type);
// "{host}/{deviceId}/?api-version=2021-04-12"
port::Status format_username(port::TextWriter& out, std::string_view host,
                             std::string_view device_id);

}  // namespace azure

// What the service side receives in the broker dialect.
enum class FleetTopicKind { none, status, reported, desired, method_response };

struct FleetTopic {
  FleetTopicKind kind = FleetTopicKind::none;
  std::string_view device_id;
  int status = 0;        // method_response
  std::string_view rid;  // method_response
};

namespace broker {

// The service's subscriptions to every device's documents and method answers.
constexpr const char* kFleetStatusSubscription = "devices/+/status";
constexpr const char* kFleetReportedSubscription = "devices/+/twin/reported";
constexpr const char* kFleetDesiredSubscription = "devices/+/twin/desired";
constexpr const char* kFleetMethodResponseSubscription = "devices/+/methods/res/#";

InboundTopic parse(std::string_view topic, std::string_view device_id);
// devices/{id}/status, devices/{id}/twin/reported, devices/{id}/twin/desired,
// devices/{id}/methods/res/{status}/?$rid={rid}.
FleetTopic parse_fleet_topic(std::string_view topic);
port::Status format_method_request(port::TextWriter& out, std::string_view device_id,
                                   std::string_view method, std::string_view rid);

port::Status format_methods_subscription(port::TextWriter& out, std::string_view device_id);
// The device's own probe of its method subscription: under methods/POST/ so that subscription
// delivers it, without "/?$rid=" so it is never taken for a method request, and writable by the
// device alone (deploy/mosquitto/door-acl.conf).
port::Status format_method_probe(port::TextWriter& out, std::string_view device_id);
port::Status format_desired(port::TextWriter& out, std::string_view device_id);
port::Status format_method_response(port::TextWriter& out, std::string_view device_id, int status,
                                    std::string_view rid);
port::Status format_reported(port::TextWriter& out, std::string_view device_id);
port::Status format_status(port::TextWriter& out, std::string_view device_id);
port::Status format_telemetry(port::TextWriter& out, std::string_view device_id);

}  // namespace broker

}  // namespace door::protocol
