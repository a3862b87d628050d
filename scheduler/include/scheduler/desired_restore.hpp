#pragma once
// The twin store's copy put back on the broker: a broker that lost its retained messages (a restart
// without persistence, a replacement, a fail-over) would otherwise hand a device that reconnects
// no desired document, and the next write would start over from nothing.
#include <string>
#include <vector>

#include "scheduler/broker_client.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler {

// Republishes (retained) each stored desired document the broker lacks or holds an older version
// of, and keeps the fleet current. Returns the devices restored; false with a reason when the store
// cannot be read or the broker does not take a document.
[[nodiscard]] bool restore_desired(BrokerClient& client, Fleet& fleet, JobStore& store,
                                   std::vector<std::string>& restored, std::string& error);

}  // namespace door::scheduler
