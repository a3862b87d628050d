#pragma once
// Where the lock keeps a timed state (a lock or release for a while, then the default state) so
// that it outlives the process: after a restart or a kill -9 the lock resumes it instead of
// returning to the default state early.
#include <cstdint>

#include "port/status.hpp"

namespace door::hal {

enum class LockState { locked, unlocked, fault };

class TimedStateStore {
 public:
  // The timed state that has just begun: state until the wall clock reads until_wall_ms, a hold of
  // hold_ms in all. A failure with the errno when it could not be stored.
  virtual port::Status save(LockState state, int64_t until_wall_ms, int64_t hold_ms) = 0;
  // No timed state any more. A failure with the errno when that could not be stored.
  virtual port::Status clear() = 0;

 protected:
  ~TimedStateStore() = default;
};

}  // namespace door::hal
