#pragma once
// The fleet as the broker's retained documents show it: each device's status, reported and desired
// documents (devices/{id}/status, devices/{id}/twin/reported, devices/{id}/twin/desired).
#include <cjson/cJSON.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/broker_client.hpp"
#include "scheduler/query.hpp"

namespace door::scheduler {

struct JsonDeleter {
  void operator()(cJSON* json) const { cJSON_Delete(json); }
};
using JsonDocument = std::unique_ptr<cJSON, JsonDeleter>;

struct Device {
  std::string id;
  JsonDocument status;
  JsonDocument reported;
  JsonDocument desired;

  DeviceView view() const { return {id, reported.get(), desired.get(), status.get()}; }
  bool online() const;
  // The desired $version of the retained document (0 without one).
  int64_t desired_version() const;
  // The newest desired $version the device's reported document says it applied: its agent's
  // desiredVersion, or the newest "av" among its acknowledgements (0 without either).
  int64_t applied_version() const;
  // Whether every document this device's others promise has arrived: a device that applied a
  // desired version has a desired document.
  bool complete() const { return desired || applied_version() == 0; }
};

class Fleet {
 public:
  // Subscribes and collects every retained document the broker holds; false with a reason when the
  // broker does not deliver them in time. MQTT does not order retained messages against a later
  // publish (Aedes sends them after the subscription's acknowledgement), so a marker published to
  // itself is not the end: the view is complete once the marker is back, no document has come for
  // a settling time and no device lacks a document its others promise, or when the bounded wait
  // for those runs out (incomplete() then names them).
  // With a device id, only that device's documents are read (one-shot commands on one device).
  bool load(BrokerClient& client, std::string& error, const std::string& device_id = "");
  // Keeps the documents current from a message on one of the fleet topics; false if it is not one.
  bool update(const Message& message);

  const std::map<std::string, Device>& devices() const { return devices_; }
  // The devices whose desired document the last load waited for in vain (none when complete).
  std::vector<std::string> incomplete() const;

 private:
  std::map<std::string, Device> devices_;
};

}  // namespace door::scheduler
