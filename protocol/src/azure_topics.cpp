#include "protocol/topics.hpp"
#include "topic_text.hpp"

namespace door::protocol::azure {

using detail::consume;
using detail::next_level;
using detail::Query;
using detail::written;

namespace {

// "{status}/?$rid={rid}[&$version={v}]"
InboundTopic parse_twin_response(std::string_view rest) {
  std::string_view status_text;
  int status = 0;
  Query query;
  if (!next_level(rest, status_text) || !detail::parse_status(status_text, status) ||
      !consume(rest, "?") || !detail::parse_query(rest, query) || !query.has_rid) {
    return {};
  }
  InboundTopic t;
  t.kind = InboundKind::twin_response;
  t.status = status;
  t.rid = query.rid;
  t.version = query.version;
  return t;
}

// "?$version={v}"
InboundTopic parse_desired_patch(std::string_view rest) {
  Query query;
  if (!consume(rest, "?") || !detail::parse_query(rest, query) || !query.has_version ||
      query.has_rid) {
    return {};
  }
  InboundTopic t;
  t.kind = InboundKind::desired_patch;
  t.version = query.version;
  return t;
}

}  // namespace

InboundTopic parse(std::string_view topic) {
  if (consume(topic, "$iothub/methods/POST/")) return detail::parse_method_request(topic);
  if (consume(topic, "$iothub/twin/res/")) return parse_twin_response(topic);
  if (consume(topic, "$iothub/twin/PATCH/properties/desired/")) return parse_desired_patch(topic);
  return {};
}

port::Status format_method_response(port::TextWriter& out, int status, std::string_view rid) {
  if (status < 100 || status > 599 || !valid_request_id(rid)) return port::Status::invalid();
  return written(out.add("$iothub/methods/res/").add_int(status).add("/?$rid=").add(rid));
}

port::Status format_twin_get(port::TextWriter& out, std::string_view rid) {
  if (!valid_request_id(rid)) return port::Status::invalid();
  return written(out.add("$iothub/twin/GET/?$rid=").add(rid));
}

port::Status format_reported_patch(port::TextWriter& out, std::string_view rid) {
  if (!valid_request_id(rid)) return port::Status::invalid();
  return written(out.add("$iothub/twin/PATCH/properties/reported/?$rid=").add(rid));
}

port::Status format_telemetry(port::TextWriter& out, std::string_view device_id,
                              std::string_view event_type) {
  if (!valid_device_id(device_id) || event_type.empty()) return port::Status::invalid();
  for (char c : event_type) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return port::Status::invalid();
  }
  return written(out.add("devices/")
                     .add(device_id)
                     .add("/messages/events/$.ct=application%2Fjson&$.ce=utf-8&eventType=")
                     .add(event_type));
}

port::Status format_username(port::TextWriter& out, std::string_view host,
                             std::string_view device_id) {
  if (host.empty() || !valid_device_id(device_id)) return port::Status::invalid();
  return written(out.add(host).add('/').add(device_id).add("/?api-version=2021-04-12"));
}

}  // namespace door::protocol::azure
