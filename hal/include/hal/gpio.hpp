#pragma once
// GPIO lines as the door needs them: outputs requested with their initial level in the same request
// (no glitch), inputs with bias, kernel debounce and edge events. "Active" is the logical level;
// polarity (active-low) is configuration. Lines are requested at start; nothing here allocates
// afterwards.
#include <cstdint>
#include <memory>
#include <string>

#include "port/status.hpp"

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
  // An io_error with the errno when the write failed (EIO, a line taken away, a chip that
  // vanished); the line then keeps the level it had.
  virtual port::Status set(bool active) = 0;
  // The level last written successfully.
  virtual bool active() const = 0;
};

class InputLine {
 public:
  virtual ~InputLine() = default;
  // The line's level, or an io_error with the errno when it cannot be read.
  virtual port::Result<bool> read() = 0;
  // Readable when edge events are pending; register it in the event loop.
  virtual int event_fd() const = 0;
  // Consumes pending edge events; read() then gives the current (debounced) level.
  virtual void drain_events() = 0;
};

class GpioBackend {
 public:
  virtual ~GpioBackend() = default;
  // The line, or a failure with a one-line reason (and the errno of a refused system call).
  virtual port::Result<std::unique_ptr<OutputLine>> request_output(const LineSpec& spec,
                                                                   bool initial_active) = 0;
  virtual port::Result<std::unique_ptr<InputLine>> request_input(const LineSpec& spec) = 0;
};

}  // namespace door::hal
