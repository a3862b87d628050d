#pragma once
// GPIO lines as the door needs them: outputs requested with their initial level in the same request
// (no glitch), inputs with bias, kernel debounce and edge events. "Active" is the logical level;
// polarity (active-low) is configuration. Lines are requested at start; nothing here allocates
// afterwards.
#include <cstdint>
#include <memory>
#include <string>

namespace door::hal {

enum class Bias { as_is, pull_up, pull_down, disabled };

struct LineSpec {
  std::string line;  // an offset ("17") or a line name ("GPIO17")
  bool active_low = false;
  Bias bias = Bias::as_is;
  uint32_t debounce_us = 0;  // inputs only
};

class OutputLine {
 public:
  virtual ~OutputLine() = default;
  // False with errno set when the write failed (EIO, a line taken away, a chip that vanished); the
  // line then keeps the level it had.
  [[nodiscard]] virtual bool set(bool active) = 0;
  // The level last written successfully.
  virtual bool active() const = 0;
};

class InputLine {
 public:
  virtual ~InputLine() = default;
  // False with errno set when the line cannot be read.
  [[nodiscard]] virtual bool read(bool& active) = 0;
  // Readable when edge events are pending; register it in the event loop.
  virtual int event_fd() const = 0;
  // Consumes pending edge events; read() then gives the current (debounced) level.
  virtual void drain_events() = 0;
};

class GpioBackend {
 public:
  virtual ~GpioBackend() = default;
  // On failure: nullptr, and a one-line reason in error.
  [[nodiscard]] virtual std::unique_ptr<OutputLine> request_output(const LineSpec& spec,
                                                                   bool initial_active,
                                                                   std::string& error) = 0;
  [[nodiscard]] virtual std::unique_ptr<InputLine> request_input(const LineSpec& spec,
                                                                 std::string& error) = 0;
};

}  // namespace door::hal
