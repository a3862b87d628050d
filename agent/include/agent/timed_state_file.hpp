#pragma once
// The lock's timed state (lockDoor with lockTime, unlockDoor with unlockTime) in a small file of
// its own next to the state file, written crash-safe (port::replace_file), so that a restart or a
// kill -9 resumes it instead of returning the door to its default state early. One line of JSON:
// {"lock":"locked","untilMs":<wall clock, ms since 1970>,"holdMs":<the whole hold>}, or {} when
// there is none.
#include <cstdint>
#include <string>

#include "hal/timed_state_store.hpp"
#include "port/status.hpp"

namespace door::agent {

class TimedStateFile final : public hal::TimedStateStore {
 public:
  struct Saved {
    hal::LockState state = hal::LockState::locked;
    int64_t until_wall_ms = 0;
    int64_t hold_ms = 0;
  };

  explicit TimedStateFile(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  // The timed state recorded before the last stop. A failure when there is none (unavailable, or
  // the errno ENOENT), or when the file cannot be read or is not what this agent writes (logged
  // with the reason). Start-up only: it allocates.
  port::Result<Saved> load() const;
  port::Status save(hal::LockState state, int64_t until_wall_ms, int64_t hold_ms) override;
  port::Status clear() override;

 private:
  std::string path_;
};

}  // namespace door::agent
