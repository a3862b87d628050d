#include "protocol/topics.hpp"
#include "topic_text.hpp"

namespace door::protocol::broker {

using detail::consume;
using detail::next_level;

namespace {

bool device_prefix(port::TextWriter& out, std::string_view device_id) {
  return valid_device_id(device_id) && out.add("devices/").add(device_id).add('/').ok();
}

}  // namespace

InboundTopic parse(std::string_view topic, std::string_view device_id) {
  std::string_view id;
  if (!consume(topic, "devices/") || !next_level(topic, id) || id != device_id) return {};
  if (topic == "twin/desired") {
    InboundTopic t;
    t.kind = InboundKind::desired_document;
    return t;
  }
  if (!consume(topic, "methods/POST/")) return {};
  return detail::parse_method_request(topic);
}

FleetTopic parse_fleet_topic(std::string_view topic) {
  std::string_view id;
  if (!consume(topic, "devices/") || !next_level(topic, id) || !valid_device_id(id)) return {};
  FleetTopic t;
  t.device_id = id;
  if (topic == "status") {
    t.kind = FleetTopicKind::status;
  } else if (topic == "twin/reported") {
    t.kind = FleetTopicKind::reported;
  } else if (topic == "twin/desired") {
    t.kind = FleetTopicKind::desired;
  } else if (consume(topic, "methods/res/")) {
    std::string_view status;
    detail::Query query;
    if (!next_level(topic, status) || !detail::parse_status(status, t.status) ||
        !consume(topic, "?") || !detail::parse_query(topic, query) || !query.has_rid ||
        query.has_version) {
      return {};
    }
    t.kind = FleetTopicKind::method_response;
    t.rid = query.rid;
  } else {
    return {};
  }
  return t;
}

bool format_method_request(port::TextWriter& out, std::string_view device_id,
                           std::string_view method, std::string_view rid) {
  if (!valid_method_name(method) || !valid_request_id(rid)) return false;
  return device_prefix(out, device_id) &&
         out.add("methods/POST/").add(method).add("/?$rid=").add(rid).ok();
}

bool format_methods_subscription(port::TextWriter& out, std::string_view device_id) {
  return device_prefix(out, device_id) && out.add("methods/POST/#").ok();
}

bool format_method_probe(port::TextWriter& out, std::string_view device_id) {
  return device_prefix(out, device_id) && out.add("methods/POST/$probe").ok();
}

bool format_desired(port::TextWriter& out, std::string_view device_id) {
  return device_prefix(out, device_id) && out.add("twin/desired").ok();
}

bool format_method_response(port::TextWriter& out, std::string_view device_id, int status,
                            std::string_view rid) {
  if (status < 100 || status > 599 || !valid_request_id(rid)) return false;
  return device_prefix(out, device_id) &&
         out.add("methods/res/").add_int(status).add("/?$rid=").add(rid).ok();
}

bool format_reported(port::TextWriter& out, std::string_view device_id) {
  return device_prefix(out, device_id) && out.add("twin/reported").ok();
}

bool format_status(port::TextWriter& out, std::string_view device_id) {
  return device_prefix(out, device_id) && out.add("status").ok();
}

bool format_telemetry(port::TextWriter& out, std::string_view device_id) {
  return device_prefix(out, device_id) && out.add("messages/events/").ok();
}

}  // namespace door::protocol::broker
