#pragma once
// The fleet as the broker's retained documents show it: each device's status, reported and desired
// documents (devices/{id}/status, devices/{id}/twin/reported, devices/{id}/twin/desired).
#include <cjson/cJSON.h>

#include <map>
#include <memory>
#include <string>

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
};

class Fleet {
 public:
  // Subscribes and collects every retained document the broker holds; false with a reason when the
  // broker does not deliver them in time.
  bool load(BrokerClient& client, std::string& error);
  // Keeps the documents current from a message on one of the fleet topics; false if it is not one.
  bool update(const Message& message);

  const std::map<std::string, Device>& devices() const { return devices_; }

 private:
  std::map<std::string, Device> devices_;
};

}  // namespace door::scheduler
