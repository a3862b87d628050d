#pragma once
// A job run's live progress, as `schedule --wait` and `watch` show it: each device's result as it
// ends (on stdout, unless the command prints JSON there), and the run's progress at least every
// second on stderr: a bar redrawn in place on a terminal, a plain line otherwise (a log, a pipe).
#include <cstdint>
#include <string>

#include "scheduler/job.hpp"

namespace door::scheduler::cli {

class ProgressView {
 public:
  // device_lines: whether each device's result is printed (not under --json).
  ProgressView(std::string job_id, bool device_lines);
  ~ProgressView();
  ProgressView(const ProgressView&) = delete;
  ProgressView& operator=(const ProgressView&) = delete;

  // The run began at `started` (Unix seconds): elapsed and remaining time count from there.
  void begin(int64_t started);
  // A device's result ended.
  void device(const DeviceResult& result, const Statistics& statistics);
  // The run goes on: redraws the progress when a second has passed since the last.
  void tick(const Statistics& statistics);
  // The run ended: the bar is cleared, so what follows starts on a clean line.
  void end();

 private:
  std::string text(const Statistics& statistics) const;
  void clear();

  std::string job_id_;
  bool device_lines_;
  bool terminal_;
  int64_t started_ = 0;
  int64_t next_draw_ms_ = 0;
  bool drawn_ = false;  // a bar is on the terminal's last line
};

}  // namespace door::scheduler::cli
