#pragma once
// Where a device's sequence of events has holes: the seqs that never reached the store, told apart
// from those the device's full journal dropped (an eventsDropped notice names them).
#include <cstdint>
#include <vector>

#include "scheduler/event_log.hpp"

namespace door::scheduler {

struct SeqGap {
  int64_t epoch = 0;
  int64_t from = 0;
  int64_t to = 0;
  bool dropped = false;   // the device dropped them (they will never come), else not received
  int64_t next_time = 0;  // when the stored event after the gap happened
};

// The seqs missing from one device's events, in the order EventLog::read gives them: within each
// epoch, only between its lowest and highest stored seq (what came before the first event stored
// or after the last is not known to be missing), split where the epoch's eventsDropped notices
// cover them. In epoch and seq order.
std::vector<SeqGap> missing_seqs(const std::vector<StoredEvent>& device_events);

}  // namespace door::scheduler
