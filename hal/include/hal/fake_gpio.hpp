#pragma once
// Simulated GPIO for the demo, tests and fault injection. Every level change is appended to a
// transition log file as it happens (so it survives a kill -9 of the agent), and so is every write
// that failed ("set-failed" with the level asked for); inputs are driven from outside through
// commands; an input can follow an output (lock feedback) until told to stick; any line can be made
// to fail its writes and reads with EIO, as a line taken away or a vanished chip would.
#include <string>
#include <string_view>
#include <vector>

#include "hal/gpio.hpp"

namespace door::hal {

struct FakeGpioOptions {
  std::string transition_log;              // empty: no log
  std::vector<std::string> failing_lines;  // requests for these lines fail (hardware unavailable)
};

class FakeGpio final : public GpioBackend {
 public:
  static constexpr std::size_t kMaxLines = 8;

  explicit FakeGpio(FakeGpioOptions options);
  ~FakeGpio() override;

  port::Result<std::unique_ptr<OutputLine>> request_output(const LineSpec& spec,
                                                           bool initial_active) override;
  port::Result<std::unique_ptr<InputLine>> request_input(const LineSpec& spec) override;

  // The input mirrors the output (inverted if asked) from now on. Invalid for unknown lines.
  port::Status follow(std::string_view input, std::string_view output, bool inverted);
  // From now on the line's writes and reads fail with EIO (failing), or work again. Invalid for an
  // unknown line.
  port::Status set_failing(std::string_view line, bool failing);
  // Commands, one per line: "set <input> active|inactive", "stick <input>" (stops following its
  // output, as a jammed lock would), "follow <input>" (follows again), "fail <line>" (its writes
  // and reads fail from now on), "repair <line>" (they work again). Invalid with a reason.
  port::Status execute(std::string_view command);

 private:
  friend class FakeOutput;
  friend class FakeInput;
  struct Line {
    std::string name;
    bool output = false;
    bool active = false;
    int event_fd = -1;  // inputs: signalled on every change
    int follows = -1;   // inputs: index of the output it mirrors, -1 for none
    bool inverted = false;
    bool stuck = false;
    bool failing = false;  // writes and reads fail with EIO
  };

  // The new line's index.
  port::Result<int> add_line(const LineSpec& spec, bool output, bool initial);
  int find(std::string_view name) const;
  void change(int index, bool active, const char* cause);
  void record(const Line& line, const char* cause);
  void record(const Line& line, const char* cause, bool level);

  FakeGpioOptions options_;
  std::vector<Line> lines_;
  int log_fd_ = -1;
};

}  // namespace door::hal
