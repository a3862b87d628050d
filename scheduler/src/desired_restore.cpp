#include "scheduler/desired_restore.hpp"

namespace door::scheduler {

bool restore_desired(BrokerClient& client, Fleet& fleet, JobStore& store,
                     std::vector<std::string>& restored, std::string& error) {
  restored.clear();
  std::map<std::string, JobStore::DesiredDocument> stored;
  if (!store.all_desired(stored)) {
    error = store.error();
    return false;
  }
  for (const auto& [id, document] : stored) {
    const auto device = fleet.devices().find(id);
    if (device != fleet.devices().end() && device->second.desired_version() >= document.version) {
      continue;
    }
    const std::string topic = "devices/" + id + "/twin/desired";
    if (!client.publish(topic, document.document, 1, true)) {
      error = "the broker did not take the desired document of " + id;
      return false;
    }
    fleet.update(Message{topic, document.document, true});
    restored.push_back(id);
  }
  return true;
}

}  // namespace door::scheduler
