#pragma once
// Whether a timed state recorded before a restart resumes, and for how long. In the same boot the
// monotonic clock decides. After a reboot only the wall clock can, and a board without a
// real-time clock boots with the time of its last shutdown, or 1970, until NTP answers: a timed
// release then resumes only by a synchronised clock; a timed lock resumes at once (never longer
// than its whole hold). A fail-secure door is never released at start.
#include <cstdint>

#include "agent/timed_state_file.hpp"
#include "hal/lock_actuator.hpp"

namespace door::agent {

struct ClockReading {
  int64_t wall_ms = 0;
  int64_t monotonic_ms = 0;
  bool wall_synchronized = false;
};

struct ResumeDecision {
  bool resume = false;
  hal::LockState state = hal::LockState::locked;
  int64_t remaining_ms = 0;
  const char* why_not = "";  // when !resume: why, for the log
};

ResumeDecision decide_resume(const TimedStateFile::Saved& saved, const ClockReading& now,
                             hal::FailMode fail_mode);

}  // namespace door::agent
