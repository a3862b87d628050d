#include "hal/chardev.hpp"

#include <fcntl.h>
#include <linux/gpio.h>

#include <cerrno>
#include <cstring>

namespace door::hal {

namespace {

// Edge events are read in batches into this many preallocated slots.
constexpr std::size_t kEventBatch = 16;

port::Status refused(const std::string& what) {
  return port::Status::system_error(port::Status::Code::unavailable, errno, "%s", what.c_str());
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

  port::Status set(bool active) override {
    gpio_v2_line_values values{};
    values.mask = 1;
    values.bits = active ? 1 : 0;
    if (sys_.ioctl(fd_, GPIO_V2_LINE_SET_VALUES_IOCTL, &values) != 0) {
      return port::Status::system_error(port::Status::Code::io_error, errno, "writing the line");
    }
    active_ = active;
    return port::Status::ok();
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

  port::Result<bool> read() override {
    gpio_v2_line_values values{};
    values.mask = 1;
    if (sys_.ioctl(fd_, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) != 0) {
      return port::Status::system_error(port::Status::Code::io_error, errno, "reading the line");
    }
    return (values.bits & 1) != 0;
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

port::Result<uint32_t> ChardevBackend::find_offset(int chip_fd, const std::string& line) {
  gpiochip_info chip{};
  if (sys_.ioctl(chip_fd, GPIO_GET_CHIPINFO_IOCTL, &chip) != 0) {
    return refused(chip_path_ + ": reading chip info");
  }
  if (all_digits(line)) {
    const auto offset = static_cast<uint32_t>(std::stoul(line));
    if (offset < chip.lines) return offset;
    return port::Status::failure(port::Status::Code::invalid,
                                 "%s: line %s is past the chip's %u lines", chip_path_.c_str(),
                                 line.c_str(), chip.lines);
  }
  for (uint32_t i = 0; i < chip.lines; ++i) {
    gpio_v2_line_info info{};
    info.offset = i;
    if (sys_.ioctl(chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &info) != 0) continue;
    if (line == info.name) return i;
  }
  return port::Status::failure(port::Status::Code::invalid, "%s: no line named %s",
                               chip_path_.c_str(), line.c_str());
}

port::Result<int> ChardevBackend::request(const LineSpec& spec, uint64_t flags,
                                          bool initial_active) {
  const int chip_fd = sys_.open(chip_path_.c_str(), O_RDWR | O_CLOEXEC);
  if (chip_fd < 0) return refused(chip_path_);
  const port::Result<uint32_t> offset = find_offset(chip_fd, spec.line);
  if (!offset.is_ok()) {
    sys_.close(chip_fd);
    return offset.status();
  }
  gpio_v2_line_request req{};
  req.offsets[0] = offset.value();
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
  if (sys_.ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, &req) != 0) {
    const port::Status status = refused(chip_path_ + ": requesting line " + spec.line);
    sys_.close(chip_fd);
    return status;
  }
  sys_.close(chip_fd);
  // Non-blocking, so reading events never stalls the loop.
  if (sys_.set_nonblocking(req.fd) != 0) {
    const port::Status status = refused(chip_path_ + ": line " + spec.line);
    sys_.close(req.fd);
    return status;
  }
  return req.fd;
}

port::Result<std::unique_ptr<OutputLine>> ChardevBackend::request_output(const LineSpec& spec,
                                                                         bool initial_active) {
  const port::Result<int> fd = request(spec, GPIO_V2_LINE_FLAG_OUTPUT, initial_active);
  if (!fd.is_ok()) return fd.status();
  return std::unique_ptr<OutputLine>(
      std::make_unique<ChardevOutput>(sys_, fd.value(), initial_active));
}

port::Result<std::unique_ptr<InputLine>> ChardevBackend::request_input(const LineSpec& spec) {
  const uint64_t flags =
      GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
  const port::Result<int> fd = request(spec, flags, false);
  if (!fd.is_ok()) return fd.status();
  return std::unique_ptr<InputLine>(std::make_unique<ChardevInput>(sys_, fd.value()));
}

}  // namespace door::hal
