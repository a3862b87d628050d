#include "hal/chardev.hpp"

#include <fcntl.h>
#include <linux/gpio.h>

#include <cerrno>
#include <cstring>

namespace door::hal {

namespace {

// Edge events are read in batches into this many preallocated slots.
constexpr std::size_t kEventBatch = 16;

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

uint64_t bias_flags(Bias bias) {
  switch (bias) {
    case Bias::pull_up: return GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
    case Bias::pull_down: return GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
    case Bias::disabled: return GPIO_V2_LINE_FLAG_BIAS_DISABLED;
    case Bias::as_is: return 0;
  }
  return 0;
}

class ChardevOutput final : public OutputLine {
 public:
  ChardevOutput(Syscalls& sys, int fd, bool initial) : sys_(sys), fd_(fd), active_(initial) {}
  ~ChardevOutput() override { sys_.close(fd_); }

  [[nodiscard]] bool set(bool active) override {
    gpio_v2_line_values values{};
    values.mask = 1;
    values.bits = active ? 1 : 0;
    if (sys_.ioctl(fd_, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) != 0) return false;
    active_ = active;
    return true;
  }
  bool active() const override { return active_; }

 private:
  Syscalls& sys_;
  int fd_;
  bool active_;
};

class ChardevInput final : public InputLine {
 public:
  ChardevInput(Syscalls& sys, int fd) : sys_(sys), fd_(fd) {}
  ~ChardevInput() override { sys_.close(fd_); }

  [[nodiscard]] bool read(bool& active) override {
    gpio_v2_line_values values{};
    values.mask = 1;
    if (sys_.ioctl(fd_, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) != 0) return false;
    active = (values.bits & 1) != 0;
    return true;
  }
  int event_fd() const override { return fd_; }
  void drain_events() override {
    // The request fd is non-blocking: read whole batches until the kernel has none left.
    while (sys_.read(fd_, events_, sizeof events_) == static_cast<ssize_t>(sizeof events_)) {
    }
  }

 private:
  Syscalls& sys_;
  int fd_;
  gpio_v2_line_event events_[kEventBatch];
};

}  // namespace

ChardevBackend::ChardevBackend(std::string chip_path, Syscalls& sys)
    : chip_path_(std::move(chip_path)), sys_(sys) {}

bool ChardevBackend::find_offset(int chip_fd, const std::string& line, uint32_t& offset,
                                 std::string& error) {
  gpiochip_info chip{};
  if (sys_.ioctl(chip_fd, GPIO_GET_CHIPINFO_IOCTL, &chip) != 0) {
    error = errno_text(chip_path_ + ": reading chip info");
    return false;
  }
  if (all_digits(line)) {
    offset = static_cast<uint32_t>(std::stoul(line));
    if (offset < chip.lines) return true;
    error = chip_path_ + ": line " + line + " is past the chip's " + std::to_string(chip.lines) +
            " lines";
    return false;
  }
  for (uint32_t i = 0; i < chip.lines; ++i) {
    gpio_v2_line_info info{};
    info.offset = i;
    if (sys_.ioctl(chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &info) != 0) continue;
    if (line == info.name) {
      offset = i;
      return true;
    }
  }
  error = chip_path_ + ": no line named " + line;
  return false;
}

int ChardevBackend::request(const LineSpec& spec, uint64_t flags, bool initial_active,
                            std::string& error) {
  const int chip_fd = sys_.open(chip_path_.c_str(), O_RDWR | O_CLOEXEC);
  if (chip_fd < 0) {
    error = errno_text(chip_path_);
    return -1;
  }
  uint32_t offset = 0;
  if (!find_offset(chip_fd, spec.line, offset, error)) {
    sys_.close(chip_fd);
    return -1;
  }
  gpio_v2_line_request req{};
  req.offsets[0] = offset;
  req.num_lines = 1;
  std::strncpy(req.consumer, kConsumer, sizeof req.consumer - 1);
  req.config.flags =
      flags | (spec.active_low ? GPIO_V2_LINE_FLAG_ACTIVE_LOW : 0) | bias_flags(spec.bias);
  if ((flags & GPIO_V2_LINE_FLAG_OUTPUT) != 0) {
    // The initial level goes into the request itself, so the line never shows another level.
    gpio_v2_line_config_attribute& a = req.config.attrs[req.config.num_attrs++];
    a.attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    a.attr.values = initial_active ? 1 : 0;
    a.mask = 1;
  }
  if ((flags & GPIO_V2_LINE_FLAG_INPUT) != 0 && spec.debounce_us > 0) {
    gpio_v2_line_config_attribute& a = req.config.attrs[req.config.num_attrs++];
    a.attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    a.attr.debounce_period_us = spec.debounce_us;
    a.mask = 1;
  }
  const int rc = sys_.ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, &req);
  if (rc != 0) error = errno_text(chip_path_ + ": requesting line " + spec.line);
  sys_.close(chip_fd);
  if (rc != 0) return -1;
  // Non-blocking, so reading events never stalls the loop.
  if (sys_.set_nonblocking(req.fd) != 0) {
    error = errno_text(chip_path_ + ": line " + spec.line);
    sys_.close(req.fd);
    return -1;
  }
  return req.fd;
}

std::unique_ptr<OutputLine> ChardevBackend::request_output(const LineSpec& spec,
                                                           bool initial_active,
                                                           std::string& error) {
  const int fd = request(spec, GPIO_V2_LINE_FLAG_OUTPUT, initial_active, error);
  if (fd < 0) return nullptr;
  return std::make_unique<ChardevOutput>(sys_, fd, initial_active);
}

std::unique_ptr<InputLine> ChardevBackend::request_input(const LineSpec& spec, std::string& error) {
  const uint64_t flags =
      GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
  const int fd = request(spec, flags, false, error);
  if (fd < 0) return nullptr;
  return std::make_unique<ChardevInput>(sys_, fd);
}

}  // namespace door::hal
