#include "azure_dialect.hpp"

#include "agent/sas_token.hpp"
#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::agent {

namespace {
// Renew at 80% of the token's lifetime, as the Azure SDKs do.
constexpr int64_t kRenewPercent = 80;
}  // namespace

AzureDialect::AzureDialect(const ConnectionSettings& settings) : settings_(settings) {}

port::Status AzureDialect::format_event_topic(port::TextWriter& out,
                                              std::string_view event_type) const {
  return protocol::azure::format_telemetry(out, settings_.device_id, event_type);
}

SessionOptions AzureDialect::session_options() const {
  SessionOptions o;
  o.server_uri = "ssl://" + settings_.host + ":" + std::to_string(settings_.port);
  o.host = settings_.host;
  o.port = settings_.port;
  o.client_id = settings_.device_id;
  char username[kMaxTopicLength + 256];
  port::TextWriter w(username, sizeof username);
  if (!protocol::azure::format_username(w, settings_.hub_host_name, settings_.device_id).is_ok()) {
    port::log(port::Level::error, "azure: the user name does not fit in %zu bytes",
              sizeof username);
  }
  o.username = std::string(w.view());
  o.ca_file = settings_.ca_file;
  o.client_cert_file = settings_.client_cert_file;
  o.client_key_file = settings_.client_key_file;
  o.verify_server = settings_.verify_server;
  o.keep_alive_seconds = settings_.keep_alive_seconds;
  return o;
}

port::Status AzureDialect::make_password(port::TextWriter& out) const {
  if (!settings_.shared_access_signature.empty()) {
    return port::Status::from(out.add(settings_.shared_access_signature).ok(),
                              port::Status::Code::too_large);
  }
  if (settings_.shared_access_key.empty()) return port::Status::ok();  // X.509: no password
  const int64_t expiry = port::wall_seconds() + settings_.sas_token_seconds;
  return make_sas_token(settings_.hub_host_name, settings_.device_id, settings_.shared_access_key,
                        expiry, out);
}

int64_t AzureDialect::renew_after_ms() const {
  if (settings_.shared_access_key.empty()) return -1;  // X.509, or a fixed token
  return static_cast<int64_t>(settings_.sas_token_seconds) * 1000 * kRenewPercent / 100;
}

std::size_t AzureDialect::subscriptions(Subscription (&out)[kMaxSubscriptions]) const {
  // IoT Hub delivers methods and twin messages at QoS 0.
  out[0] = {protocol::azure::kMethodsSubscription.data(), 0};
  out[1] = {protocol::azure::kTwinResponseSubscription.data(), 0};
  out[2] = {protocol::azure::kDesiredPatchSubscription.data(), 0};
  return 3;
}

protocol::InboundTopic AzureDialect::parse(std::string_view topic) const {
  return protocol::azure::parse(topic);
}

port::Status AzureDialect::format_method_response(port::TextWriter& out, int status,
                                                  std::string_view rid) const {
  return protocol::azure::format_method_response(out, status, rid);
}

port::Status AzureDialect::format_twin_get(port::TextWriter& out, std::string_view rid) const {
  return protocol::azure::format_twin_get(out, rid);
}

port::Status AzureDialect::format_reported(port::TextWriter& out, std::string_view rid) const {
  return protocol::azure::format_reported_patch(out, rid);
}

}  // namespace door::agent
