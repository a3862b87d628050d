#pragma once
#include "agent/capacities.hpp"
#include "agent/dialect.hpp"

namespace door::agent {

// Any MQTT broker: devices/{id}/... topics, a retained status document with an offline last will.
class BrokerDialect final : public Dialect {
 public:
  explicit BrokerDialect(const ConnectionSettings& settings);

  const char* name() const override { return "mqtt"; }
  SessionOptions session_options() const override;
  port::Status make_password(port::TextWriter& out) const override;
  int64_t renew_after_ms() const override { return -1; }
  std::size_t subscriptions(Subscription (&out)[kMaxSubscriptions]) const override;
  const char* probe_topic() const override { return probe_topic_; }
  protocol::InboundTopic parse(std::string_view topic) const override;
  port::Status format_method_response(port::TextWriter& out, int status,
                                      std::string_view rid) const override;
  port::Status format_event_topic(port::TextWriter& out,
                                  std::string_view event_type) const override;
  port::Status format_twin_get(port::TextWriter&, std::string_view) const override {
    return port::Status::unavailable();  // the retained desired document comes by itself
  }
  port::Status format_reported(port::TextWriter& out, std::string_view rid) const override;
  bool reports_are_patches() const override { return false; }
  port::Status announce_online(Publisher& publisher) override;
  port::Status announce_offline(Publisher& publisher) override;

 private:
  port::Status publish_status(Publisher& publisher, bool online);

  const ConnectionSettings& settings_;
  char methods_topic_[kMaxTopicLength + 1];
  char probe_topic_[kMaxTopicLength + 1];
  char desired_topic_[kMaxTopicLength + 1];
  char status_topic_[kMaxTopicLength + 1];
  char telemetry_topic_[kMaxTopicLength + 1];
};

}  // namespace door::agent
