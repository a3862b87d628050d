// libFuzzer target for the topic codecs: the input is a topic, read by the IoT Hub parser, the
// broker dialect's device parser (as device "door-1" and as the device the topic names) and the
// service's fleet parser. What a parser accepts must be well-formed (valid identifiers, a status
// in range), and where the topic has one spelling, formatting what was parsed gives it back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "protocol/topics.hpp"

namespace door::protocol {
namespace {

using fuzz::require;
using port::TextWriter;

// Longer than any topic the formatters can write (an id of 128, a name and a rid of 64).
constexpr std::size_t kTopicBuffer = 512;

template <typename Format>
bool formats_back(std::string_view topic, Format format) {
  char buffer[kTopicBuffer];
  TextWriter out(buffer, sizeof buffer);
  return format(out).is_ok() && out.view() == topic;
}

bool inside(std::string_view part, std::string_view topic) {
  return part.data() >= topic.data() && part.data() + part.size() <= topic.data() + topic.size();
}

void check_azure(std::string_view topic) {
  const InboundTopic t = azure::parse(topic);
  switch (t.kind) {
    case InboundKind::none: return;
    case InboundKind::method_request:
      require(valid_method_name(t.method) && valid_request_id(t.rid) && t.version == -1);
      require(formats_back(topic, [&](TextWriter& out) {
        out.add("$iothub/methods/POST/").add(t.method).add("/?$rid=").add(t.rid);
        return port::Status::from(out.ok(), port::Status::Code::too_large);
      }));
      return;
    case InboundKind::twin_response:
      require(valid_request_id(t.rid) && inside(t.rid, topic) && t.version >= -1);
      require(t.status >= 100 && t.status <= 599);
      return;
    case InboundKind::desired_patch: require(t.rid.empty() && t.version >= 0); return;
    case InboundKind::desired_document: require(false);  // only the broker has one
  }
}

void check_broker(std::string_view topic, std::string_view device_id) {
  const InboundTopic t = broker::parse(topic, device_id);
  switch (t.kind) {
    case InboundKind::none: return;
    case InboundKind::method_request:
      require(formats_back(topic, [&](TextWriter& out) {
        return broker::format_method_request(out, device_id, t.method, t.rid);
      }));
      return;
    case InboundKind::desired_document:
      require(formats_back(
          topic, [&](TextWriter& out) { return broker::format_desired(out, device_id); }));
      return;
    case InboundKind::twin_response:
    case InboundKind::desired_patch: require(false);  // IoT Hub only
  }
}

void check_fleet(std::string_view topic) {
  const FleetTopic t = broker::parse_fleet_topic(topic);
  if (t.kind == FleetTopicKind::none) return;
  require(valid_device_id(t.device_id));
  require(formats_back(topic, [&](TextWriter& out) {
    switch (t.kind) {
      case FleetTopicKind::status: return broker::format_status(out, t.device_id);
      case FleetTopicKind::reported: return broker::format_reported(out, t.device_id);
      case FleetTopicKind::desired: return broker::format_desired(out, t.device_id);
      case FleetTopicKind::method_response:
        return broker::format_method_response(out, t.device_id, t.status, t.rid);
      case FleetTopicKind::none: break;
    }
    return port::Status::invalid();
  }));
}

// The second level of "devices/{id}/...", when it is a valid device id.
std::string_view named_device(std::string_view topic) {
  constexpr std::string_view kPrefix = "devices/";
  if (topic.substr(0, kPrefix.size()) != kPrefix) return {};
  topic.remove_prefix(kPrefix.size());
  const std::string_view id = topic.substr(0, topic.find('/'));
  return valid_device_id(id) ? id : std::string_view{};
}

void check_topic(std::string_view topic) {
  check_azure(topic);
  check_broker(topic, "door-1");
  const std::string_view device = named_device(topic);
  if (!device.empty()) check_broker(topic, device);
  check_fleet(topic);
}

}  // namespace
}  // namespace door::protocol

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  door::protocol::check_topic(door::fuzz::as_text(data, size));
  return 0;
}
