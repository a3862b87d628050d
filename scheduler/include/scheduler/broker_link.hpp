#pragma once
// What a job run needs of its broker connection: the connection's state, subscribing, publishing
// and the next message. BrokerClient is the real one; the job runner's unit tests use a fake that
// answers as scripted and can refuse or lose the connection.
#include <chrono>
#include <optional>
#include <string>

namespace door::scheduler {

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class BrokerLink {
 public:
  virtual ~BrokerLink() = default;

  // False once the connection is lost, until it is made again.
  virtual bool connected() const = 0;
  virtual bool subscribe(const std::string& filter, int qos) = 0;
  // At QoS 1, waits until the broker has taken the message.
  virtual bool publish(const std::string& topic, const std::string& payload, int qos,
                       bool retained) = 0;
  // QoS 1 without waiting for the broker, for requests whose answer confirms them.
  virtual bool send(const std::string& topic, const std::string& payload) = 0;
  // The next message, waiting up to timeout for one.
  virtual std::optional<Message> receive(std::chrono::milliseconds timeout) = 0;
};

}  // namespace door::scheduler
