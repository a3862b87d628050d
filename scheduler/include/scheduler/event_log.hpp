#pragma once
// The door events in the store (the audit log): each event stored once, however often the broker
// or the device's journal delivers it, and the lease that lets one recorder at a time use the
// store's persistent broker session.
//
// An event is a duplicate when its device's current sequence holds its seq with the same content.
// A seq at or below the highest one of that sequence that is not a duplicate means the device's
// seq began again (it lost its journal): the event opens the device's next epoch, so the events
// after a restart are kept beside the old ones and no gap spans the two.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scheduler/door_event.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler {

struct StoredEvent : DoorEvent {
  // The device's sequence the event belongs to: 1, then one more each time its seq began again;
  // 0 for events without a seq.
  int64_t epoch = 0;
};

class EventLog {
 public:
  explicit EventLog(JobStore& store) : store_(store) {}

  const std::string& error() const { return store_.error(); }
  bool locked() const { return store_.locked(); }

  // Stores the events in one transaction, each new one once; stored counts the new ones. False
  // (and nothing stored) when the store failed.
  [[nodiscard]] bool add(const std::vector<DoorEvent>& events, int& stored);

  // Calls `visit` with each device's events (or those of device_id alone), devices in name order;
  // a device's events without a seq come first, by time, then each epoch's by seq. `visit`
  // returning false stops the reading.
  [[nodiscard]] bool read(const std::string& device_id,
                          const std::function<bool(const std::vector<StoredEvent>&)>& visit);

  // The store's persistent broker session: its MQTT client id, and which process records into it.
  struct Recorder {
    bool held = false;  // by this process, for JobStore::kLeaseSeconds from now
    std::string client_id;
    std::string owner;  // the process that holds it (this one when held)
  };
  // Takes the lease when it is free or expired, or renews this process's.
  [[nodiscard]] bool hold_recorder(int64_t now, Recorder& out);
  // Lets the next recorder start at once.
  [[nodiscard]] bool release_recorder();

 private:
  // The epoch a sequenced event belongs to, or duplicate when it is stored already.
  [[nodiscard]] bool place(const DoorEvent& event, int64_t& epoch, bool& duplicate);

  JobStore& store_;
};

}  // namespace door::scheduler
