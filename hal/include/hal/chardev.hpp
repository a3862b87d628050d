#pragma once
// GPIO lines through the Linux GPIO character device, uAPI v2 (/dev/gpiochipN).
#include <string>

#include "hal/gpio.hpp"
#include "hal/syscalls.hpp"

namespace door::hal {

class ChardevBackend final : public GpioBackend {
 public:
  static constexpr const char* kConsumer = "door-agent";

  ChardevBackend(std::string chip_path, Syscalls& sys = linux_syscalls());

  port::Result<std::unique_ptr<OutputLine>> request_output(const LineSpec& spec,
                                                           bool initial_active) override;
  port::Result<std::unique_ptr<InputLine>> request_input(const LineSpec& spec) override;

 private:
  // Resolves "17" or a line name to an offset on the chip.
  port::Result<uint32_t> find_offset(int chip_fd, const std::string& line);
  // The line request's fd.
  port::Result<int> request(const LineSpec& spec, uint64_t flags, bool initial_active);

  std::string chip_path_;
  Syscalls& sys_;
};

}  // namespace door::hal
