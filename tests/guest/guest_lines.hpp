#pragma once
// The HAL calls of the guest's GPIO tests, in one place: the tests speak to these, so a change of
// the HAL's error convention touches this file only.
#include <memory>
#include <string>

#include "hal/chardev.hpp"

namespace door::guest {

// On failure: nullptr, and the HAL's one-line reason in error.
std::unique_ptr<hal::OutputLine> request_output(hal::GpioBackend& backend,
                                                const hal::LineSpec& spec, bool initial_active,
                                                std::string& error);
std::unique_ptr<hal::InputLine> request_input(hal::GpioBackend& backend, const hal::LineSpec& spec,
                                              std::string& error);
// False when the kernel refused the write or the read.
[[nodiscard]] bool set_level(hal::OutputLine& line, bool active);
[[nodiscard]] bool read_level(hal::InputLine& line, bool& active);

}  // namespace door::guest
