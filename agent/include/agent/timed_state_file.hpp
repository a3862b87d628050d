#pragma once
// The lock's timed state (lockDoor with lockTime, unlockDoor with unlockTime) in a small file of
// its own next to the state file, written crash-safe (port::replace_file), so that a restart or a
// kill -9 resumes it instead of returning the door to its default state early. One line of JSON:
// {"lock":"locked","untilMs":<wall clock, ms since 1970>,"holdMs":<the whole hold>,
//  "bootId":"<the boot it was written in>","untilMonotonicMs":<CLOCK_MONOTONIC deadline>}.
// Cleared by removing the file, which works on a full file system. Where even that fails (a
// read-only file system) the record is voided by a marker in a runtime directory (a tmpfs, which
// a card's faults do not reach) that names the record: a restart in the same boot ignores it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hal/timed_state_store.hpp"
#include "port/clock.hpp"
#include "port/status.hpp"

namespace door::agent {

class TimedStateFile final : public hal::TimedStateStore {
 public:
  struct Saved {
    hal::TimedRecord record;
    bool same_boot = false;  // written in this boot: record.until_monotonic_ms applies
  };

  // path: the record ("" for none kept); void_marker_path: the marker that voids a record that
  // could not be removed ("" for none); boot: this boot's id.
  TimedStateFile(std::string path, std::string void_marker_path, const port::BootId& boot)
      : path_(std::move(path)), void_marker_path_(std::move(void_marker_path)), boot_(boot) {}

  const std::string& path() const { return path_; }
  // The timed state recorded before the last stop. A failure when there is none (unavailable, or
  // the errno ENOENT), when a marker voided it, or when the file cannot be read or is not what this
  // agent writes (logged with the reason). Start-up only: it allocates.
  port::Result<Saved> load();
  port::Status save(const hal::TimedRecord& record) override;
  port::Status clear() override;

 private:
  // The record's text as written or loaded: what a void marker names.
  static constexpr std::size_t kMaxRecordBytes = 256;
  bool voided(std::string_view text) const;
  void remember(std::string_view text);

  std::string path_;
  std::string void_marker_path_;
  port::BootId boot_;
  char text_[kMaxRecordBytes] = "";
  std::size_t text_length_ = 0;
};

}  // namespace door::agent
