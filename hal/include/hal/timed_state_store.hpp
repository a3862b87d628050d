#pragma once
// Where the lock keeps a timed state (a lock or release for a while, then the default state) so
// that it outlives the process: after a restart or a kill -9 the lock resumes it instead of
// returning to the default state early.
#include <cstdint>

#include "port/status.hpp"

namespace door::hal {

enum class LockState { locked, unlocked, fault };

// A timed state that has just begun: state until the wall clock reads until_wall_ms (or, in the
// same boot, the monotonic clock reads until_monotonic_ms), a hold of hold_ms in all.
struct TimedRecord {
  LockState state = LockState::locked;
  int64_t until_wall_ms = 0;
  int64_t until_monotonic_ms = 0;
  int64_t hold_ms = 0;
};

class TimedStateStore {
 public:
  // Records the timed state. A failure with the errno when it could not be stored; the record
  // stored before may then still be there.
  virtual port::Status save(const TimedRecord& record) = 0;
  // No timed state any more. A failure with the errno when that could not be stored durably; the
  // store still makes the old record void for a restart in the same boot where it can.
  virtual port::Status clear() = 0;

 protected:
  ~TimedStateStore() = default;
};

}  // namespace door::hal
