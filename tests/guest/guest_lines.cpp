#include "guest_lines.hpp"

namespace door::guest {

std::unique_ptr<hal::OutputLine> request_output(hal::GpioBackend& backend,
                                                const hal::LineSpec& spec, bool initial_active,
                                                std::string& error) {
  auto line = backend.request_output(spec, initial_active);
  if (!line.is_ok()) {
    error = line.status().reason();
    return nullptr;
  }
  return std::move(line).value();
}

std::unique_ptr<hal::InputLine> request_input(hal::GpioBackend& backend, const hal::LineSpec& spec,
                                              std::string& error) {
  auto line = backend.request_input(spec);
  if (!line.is_ok()) {
    error = line.status().reason();
    return nullptr;
  }
  return std::move(line).value();
}

bool set_level(hal::OutputLine& line, bool active) {
  return line.set(active).is_ok();
}

bool read_level(hal::InputLine& line, bool& active) {
  auto level = line.read();
  if (!level.is_ok()) return false;
  active = level.value();
  return true;
}

}  // namespace door::guest
