#include "protocol/topics.hpp"
#include "topic_text.hpp"

namespace door::protocol::broker {

using detail::consume;
using detail::next_level;
using detail::written;

namespace {

// The caller has checked device_id.
port::TextWriter& device_prefix(port::TextWriter& out, std::string_view device_id) {
  return out.add("devices/").add(device_id).add('/');
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

port::Status format_method_request(port::TextWriter& out, std::string_view device_id,
                                   std::string_view method, std::string_view rid) {
  if (!valid_device_id(device_id) || !valid_method_name(method) || !valid_request_id(rid)) {
    return port::Status::invalid();
  }
  return written(
      device_prefix(out, device_id).add("methods/POST/").add(method).add("/?$rid=").add(rid));
}

port::Status format_methods_subscription(port::TextWriter& out, std::string_view device_id) {
  if (!valid_device_id(device_id)) return port::Status::invalid();
  return written(device_prefix(out, device_id).add("methods/POST/#"));
}

port::Status format_method_probe(port::TextWriter& out, std::string_view device_id) {
  if (!valid_device_id(device_id)) return port::Status::invalid();
  return written(device_prefix(out, device_id).add("methods/POST/$probe"));
}

port::Status format_desired(port::TextWriter& out, std::string_view device_id) {
  if (!valid_device_id(device_id)) return port::Status::invalid();
  return written(device_prefix(out, device_id).add("twin/desired"));
}

port::Status format_method_response(port::TextWriter& out, std::string_view device_id, int status,
                                    std::string_view rid) {
  if (!valid_device_id(device_id) || status < 100 || status > 599 || !valid_request_id(rid)) {
    return port::Status::invalid();
  }
  return written(
      device_prefix(out, device_id).add("methods/res/").add_int(status).add("/?$rid=").add(rid));
}

port::Status format_reported(port::TextWriter& out, std::string_view device_id) {
  if (!valid_device_id(device_id)) return port::Status::invalid();
  return written(device_prefix(out, device_id).add("twin/reported"));
}

port::Status format_status(port::TextWriter& out, std::string_view device_id) {
  if (!valid_device_id(device_id)) return port::Status::invalid();
  return written(device_prefix(out, device_id).add("status"));
}

port::Status format_telemetry(port::TextWriter& out, std::string_view device_id) {
  if (!valid_device_id(device_id)) return port::Status::invalid();
  return written(device_prefix(out, device_id).add("messages/events/"));
}

}  // namespace door::protocol::broker
