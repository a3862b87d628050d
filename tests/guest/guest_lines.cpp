#include "guest_lines.hpp"

namespace door::guest {

std::unique_ptr<hal::OutputLine> request_output(hal::GpioBackend& backend,
                                                const hal::LineSpec& spec, bool initial_active,
                                                std::string& error) {
  return backend.request_output(spec, initial_active, error);
}

std::unique_ptr<hal::InputLine> request_input(hal::GpioBackend& backend, const hal::LineSpec& spec,
                                              std::string& error) {
  return backend.request_input(spec, error);
}

bool set_level(hal::OutputLine& line, bool active) {
  return line.set(active);
}

bool read_level(hal::InputLine& line, bool& active) {
  return line.read(active);
}

}  // namespace door::guest
