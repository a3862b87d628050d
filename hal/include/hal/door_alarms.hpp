#pragma once
// The alarms an access-control panel raises, judged from what the lock and the door contact do:
// forcedOpen (the door opens while locked and no release ended within the latch's grace),
// heldOpen (the door stands open longer than heldOpenSeconds while no release is in force, which
// also covers a door that could not be relocked) and lockTamper (the lock's feedback moves without
// a command, or disagrees with the output for longer than the feedback timeout outside one).
// Each raise and clear goes to the observer; timers live in the event loop.
#include <cstddef>
#include <cstdint>

#include "hal/timed_state_store.hpp"
#include "port/clock.hpp"
#include "port/event_loop.hpp"
#include "port/member_handler.hpp"
#include "port/status.hpp"

namespace door::hal {

enum class Alarm : uint8_t { forced_open, held_open, lock_tamper };
constexpr std::size_t kAlarmCount = 3;
constexpr Alarm kAlarms[kAlarmCount] = {Alarm::forced_open, Alarm::held_open, Alarm::lock_tamper};
const char* to_string(Alarm alarm);

struct AlarmSettings {
  int64_t forced_open_grace_ms = 2000;  // a door pushed open as the strike relocks is not forced
  int64_t held_open_ms = 30000;
  int64_t tamper_ms = 1000;  // the lock's feedback timeout
};

// What the lock's feedback input reads.
enum class FeedbackReading { not_wired, locked, unlocked, unreadable };

// The door as the alarms see it, given by the lock at each change.
struct DoorView {
  LockState state;
  LockState target;  // what the output drives, or will drive once the door closes
  bool confirming;   // a command waits for its feedback
  bool door_open;
  FeedbackReading feedback;
};

class AlarmObserver {
 public:
  virtual void on_alarm(Alarm alarm, bool active) = 0;

 protected:
  ~AlarmObserver() = default;
};

class DoorAlarms {
 public:
  DoorAlarms(port::EventLoop& loop, const AlarmSettings& settings, AlarmObserver& observer)
      : loop_(loop), settings_(settings), observer_(observer) {}
  DoorAlarms(const DoorAlarms&) = delete;
  DoorAlarms& operator=(const DoorAlarms&) = delete;

  // Reserves the timers.
  [[nodiscard]] port::Status start();
  // Times changed through desired properties: the running timers keep their deadline.
  void set_settings(const AlarmSettings& settings) { settings_ = settings; }
  const AlarmSettings& settings() const { return settings_; }

  // The lock left the released state (or its release was refused by the door): the latch grace
  // starts now.
  void release_ended() { release_ended_ms_ = port::monotonic_ms(); }
  // The door contact went from closed to open.
  void door_opened(const DoorView& view);
  // The feedback input changed while no command waited for it.
  void feedback_moved(const DoorView& view);
  // Anything changed (the lock, its target, the door, the feedback): the conditions are judged
  // again.
  void update(const DoorView& view);
  // Clean stop: the timers are cancelled and each active alarm cleared (the observer hears it).
  void stop();

  bool active(Alarm alarm) const { return since_ms_[index(alarm)] >= 0; }
  // The wall-clock time (ms) the alarm was raised; -1 when it is not active.
  int64_t since_wall_ms(Alarm alarm) const { return since_ms_[index(alarm)]; }
  bool any_active() const;

 private:
  static std::size_t index(Alarm alarm) { return static_cast<std::size_t>(alarm); }
  static bool feedback_disagrees(const DoorView& view);
  // A door standing open with no release in force.
  static bool open_unreleased(const DoorView& view);
  void set(Alarm alarm, bool active);
  void on_held_open_timer();
  void on_tamper_timer();

  port::EventLoop& loop_;
  AlarmSettings settings_;
  AlarmObserver& observer_;
  DoorView last_{};
  int64_t release_ended_ms_ = -1;
  int64_t since_ms_[kAlarmCount] = {-1, -1, -1};
  port::MemberTimer<DoorAlarms, &DoorAlarms::on_held_open_timer> held_open_handler_{*this};
  port::MemberTimer<DoorAlarms, &DoorAlarms::on_tamper_timer> tamper_handler_{*this};
  port::TimerId held_open_timer_ = port::kNoTimer;
  port::TimerId tamper_timer_ = port::kNoTimer;
};

}  // namespace door::hal
