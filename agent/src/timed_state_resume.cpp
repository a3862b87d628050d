#include "agent/timed_state_resume.hpp"

#include <algorithm>

namespace door::agent {

ResumeDecision decide_resume(const TimedStateFile::Saved& saved, const ClockReading& now,
                             hal::FailMode fail_mode) {
  const hal::TimedRecord& record = saved.record;
  ResumeDecision decision;
  decision.state = record.state;
  // Never more than the hold asked for, whatever a clock says.
  const int64_t until_ms = saved.same_boot ? record.until_monotonic_ms - now.monotonic_ms
                                           : record.until_wall_ms - now.wall_ms;
  decision.remaining_ms = std::min(until_ms, record.hold_ms);
  if (decision.remaining_ms <= 0) {
    decision.why_not = "ended while the agent was stopped";
  } else if (record.state == hal::LockState::unlocked && fail_mode == hal::FailMode::secure) {
    decision.why_not = "is not resumed: a fail-secure door is not released at start";
  } else if (record.state == hal::LockState::unlocked && !saved.same_boot &&
             !now.wall_synchronized) {
    decision.why_not =
        "is not resumed: after a reboot a release resumes only by a synchronised clock, and the "
        "clock is not synchronised";
  } else {
    decision.resume = true;
  }
  return decision;
}

}  // namespace door::agent
