#pragma once
#include "agent/capacities.hpp"
#include "agent/dialect.hpp"

namespace door::agent {

// Azure IoT Hub's device API: SAS or X.509 authentication, $iothub/... topics.
class AzureDialect final : public Dialect {
 public:
  explicit AzureDialect(const ConnectionSettings& settings);

  const char* name() const override { return "azure"; }
  SessionOptions session_options() const override;
  port::Status make_password(port::TextWriter& out) const override;
  int64_t renew_after_ms() const override;
  std::size_t subscriptions(Subscription (&out)[kMaxSubscriptions]) const override;
  protocol::InboundTopic parse(std::string_view topic) const override;
  port::Status format_method_response(port::TextWriter& out, int status,
                                      std::string_view rid) const override;
  port::Status format_event_topic(port::TextWriter& out,
                                  std::string_view event_type) const override;
  port::Status format_twin_get(port::TextWriter& out, std::string_view rid) const override;
  port::Status format_reported(port::TextWriter& out, std::string_view rid) const override;
  bool reports_are_patches() const override { return true; }
  // IoT Hub tracks connection state itself and retains nothing: there is nothing to announce (the
  // agent's version is in its reported properties).
  port::Status announce_online(Publisher&) override { return port::Status::ok(); }
  port::Status announce_offline(Publisher&) override { return port::Status::ok(); }

 private:
  const ConnectionSettings& settings_;
};

}  // namespace door::agent
