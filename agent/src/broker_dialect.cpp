#include "broker_dialect.hpp"

#include "agent/capacities.hpp"
#include "port/log.hpp"
#include "status_document.hpp"

namespace door::agent {

namespace {
constexpr std::string_view kOfflineWill = R"({"online":false})";
}

BrokerDialect::BrokerDialect(const ConnectionSettings& settings) : settings_(settings) {
  port::TextWriter methods(methods_topic_, sizeof methods_topic_);
  port::TextWriter probe(probe_topic_, sizeof probe_topic_);
  port::TextWriter desired(desired_topic_, sizeof desired_topic_);
  port::TextWriter status(status_topic_, sizeof status_topic_);
  port::TextWriter telemetry(telemetry_topic_, sizeof telemetry_topic_);
  // The device id was validated with the config, so these fit.
  if (!protocol::broker::format_methods_subscription(methods, settings_.device_id).is_ok() ||
      !protocol::broker::format_method_probe(probe, settings_.device_id).is_ok() ||
      !protocol::broker::format_desired(desired, settings_.device_id).is_ok() ||
      !protocol::broker::format_status(status, settings_.device_id).is_ok() ||
      !protocol::broker::format_telemetry(telemetry, settings_.device_id).is_ok()) {
    port::log(port::Level::error, "broker: no topics for device id %s",
              settings_.device_id.c_str());
  }
}

SessionOptions BrokerDialect::session_options() const {
  SessionOptions o;
  o.server_uri = "ssl://" + settings_.host + ":" + std::to_string(settings_.port);
  o.host = settings_.host;
  o.port = settings_.port;
  o.client_id = settings_.device_id;
  o.username = settings_.username;
  o.ca_file = settings_.ca_file;
  o.client_cert_file = settings_.client_cert_file;
  o.client_key_file = settings_.client_key_file;
  o.verify_server = settings_.verify_server;
  o.keep_alive_seconds = settings_.keep_alive_seconds;
  o.will_topic = status_topic_;
  o.will_payload = std::string(kOfflineWill);
  return o;
}

port::Status BrokerDialect::make_password(port::TextWriter& out) const {
  return port::Status::from(out.add(settings_.password).ok(), port::Status::Code::too_large);
}

std::size_t BrokerDialect::subscriptions(Subscription (&out)[kMaxSubscriptions]) const {
  // Methods at QoS 0, as IoT Hub sends them: a request is answered within its timeout or not at
  // all, a clean session keeps nothing across a reconnect, and an acknowledgement written just
  // before the answer would hold the answer back (TCP's Nagle delay, about 40 ms).
  out[0] = {methods_topic_, 0};
  out[1] = {desired_topic_, 1};
  return 2;
}

protocol::InboundTopic BrokerDialect::parse(std::string_view topic) const {
  return protocol::broker::parse(topic, settings_.device_id);
}

port::Status BrokerDialect::format_method_response(port::TextWriter& out, int status,
                                                   std::string_view rid) const {
  return protocol::broker::format_method_response(out, settings_.device_id, status, rid);
}

port::Status BrokerDialect::format_reported(port::TextWriter& out, std::string_view) const {
  return protocol::broker::format_reported(out, settings_.device_id);
}

port::Status BrokerDialect::publish_status(Publisher& publisher, bool online) {
  char payload[kMaxStatusDocumentBytes];
  port::TextWriter doc(payload, sizeof payload);
  doc.add(online ? R"({"online":true,)" : R"({"online":false,)");
  const port::Status fields = add_status_fields(doc, online ? "connectedAt" : "disconnectedAt");
  if (!fields.is_ok()) return fields;
  if (!doc.add('}').ok()) return port::Status::too_large();
  return publisher.publish(status_topic_, doc.view(), 1, true);
}

port::Status BrokerDialect::announce_online(Publisher& publisher) {
  return publish_status(publisher, true);
}

port::Status BrokerDialect::announce_offline(Publisher& publisher) {
  return publish_status(publisher, false);
}

port::Status BrokerDialect::format_event_topic(port::TextWriter& out, std::string_view) const {
  out.add(telemetry_topic_);
  return out.ok() ? port::Status::ok() : port::Status::too_large();
}

}  // namespace door::agent
