// The GPIO character device backend, checked at the system call seam: the exact uAPI v2 requests
// it makes, with no hardware.
#include "hal/chardev.hpp"

#include <gtest/gtest.h>
#include <linux/gpio.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "hal/lock_actuator.hpp"
#include "port/event_loop.hpp"

namespace door::hal {
namespace {

// The line, or nullptr with the reason in error: what these tests check.
template <typename Line>
std::unique_ptr<Line> take(port::Result<std::unique_ptr<Line>> requested, std::string& error) {
  if (!requested.is_ok()) {
    error = requested.status().reason();
    return nullptr;
  }
  return std::move(requested).value();
}

constexpr int kChipFd = 3;
constexpr int kLineFd = 10;

// A chip with 54 lines named GPIO0..GPIO53, as on a Raspberry Pi.
class FakeKernel final : public Syscalls {
 public:
  int open(const char* path, int) override {
    opened.push_back(path);
    if (fail_open) {
      errno = ENOENT;
      return -1;
    }
    return kChipFd;
  }
  int ioctl(int fd, unsigned long request, void* arg) override {
    if (request == GPIO_GET_CHIPINFO_IOCTL) {
      auto* info = static_cast<gpiochip_info*>(arg);
      std::strcpy(info->name, "gpiochip0");
      info->lines = 54;
      return 0;
    }
    if (request == GPIO_V2_GET_LINEINFO_IOCTL) {
      auto* info = static_cast<gpio_v2_line_info*>(arg);
      std::snprintf(info->name, sizeof info->name, "GPIO%u", info->offset);
      return 0;
    }
    if (request == GPIO_V2_GET_LINE_IOCTL) {
      if (fail_request) {
        errno = EBUSY;
        return -1;
      }
      requests.push_back(*static_cast<gpio_v2_line_request*>(arg));
      static_cast<gpio_v2_line_request*>(arg)->fd = kLineFd;
      return 0;
    }
    if (request == GPIO_V2_LINE_SET_VALUES_IOCTL) {
      EXPECT_EQ(fd, kLineFd);
      if (fail_set != 0) {
        errno = fail_set;
        return -1;
      }
      set_values.push_back(*static_cast<gpio_v2_line_values*>(arg));
      return 0;
    }
    if (request == GPIO_V2_LINE_GET_VALUES_IOCTL) {
      static_cast<gpio_v2_line_values*>(arg)->bits = input_bits;
      return 0;
    }
    ADD_FAILURE() << "unexpected ioctl " << request;
    return -1;
  }
  ssize_t read(int fd, void*, std::size_t size) override {
    EXPECT_EQ(fd, kLineFd);
    ++reads;
    if (pending_batches == 0) {
      errno = EAGAIN;
      return -1;
    }
    --pending_batches;
    return static_cast<ssize_t>(size);
  }
  int close(int fd) override {
    closed.push_back(fd);
    return 0;
  }
  int set_nonblocking(int fd) override {
    nonblocking.push_back(fd);
    return 0;
  }

  bool fail_open = false;
  bool fail_request = false;
  int fail_set = 0;  // errno of a refused GPIO_V2_LINE_SET_VALUES_IOCTL, 0 for none
  uint64_t input_bits = 0;
  int pending_batches = 0;
  int reads = 0;
  std::vector<std::string> opened;
  std::vector<gpio_v2_line_request> requests;
  std::vector<gpio_v2_line_values> set_values;
  std::vector<int> closed;
  std::vector<int> nonblocking;
};

TEST(Chardev, OutputIsRequestedWithItsInitialLevelInTheSameRequest) {
  FakeKernel kernel;
  ChardevBackend chip("/dev/gpiochip0", kernel);
  std::string error;
  LineSpec spec;
  spec.line = "GPIO17";
  spec.active_low = true;
  auto line = take(chip.request_output(spec, true), error);
  ASSERT_TRUE(line) << error;
  ASSERT_EQ(kernel.requests.size(), 1u);
  const gpio_v2_line_request& req = kernel.requests[0];
  EXPECT_EQ(kernel.opened, std::vector<std::string>{"/dev/gpiochip0"});
  EXPECT_EQ(req.num_lines, 1u);
  EXPECT_EQ(req.offsets[0], 17u);
  EXPECT_STREQ(req.consumer, "door-agent");
  EXPECT_EQ(req.config.flags, GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW);
  ASSERT_EQ(req.config.num_attrs, 1u);
  EXPECT_EQ(req.config.attrs[0].attr.id, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
  EXPECT_EQ(req.config.attrs[0].attr.values, 1u);
  EXPECT_EQ(req.config.attrs[0].mask, 1u);
  EXPECT_EQ(kernel.closed, std::vector<int>{kChipFd});  // the chip fd is not kept
  EXPECT_EQ(kernel.nonblocking, std::vector<int>{kLineFd});
  EXPECT_TRUE(line->active());
}

TEST(Chardev, SettingAnOutputWritesOneLineValue) {
  FakeKernel kernel;
  ChardevBackend chip("/dev/gpiochip0", kernel);
  std::string error;
  auto line = take(chip.request_output({"4", false, Bias::as_is, 0}, false), error);
  ASSERT_TRUE(line) << error;
  EXPECT_EQ(kernel.requests[0].offsets[0], 4u);  // by offset
  EXPECT_EQ(kernel.requests[0].config.attrs[0].attr.values, 0u);
  ASSERT_TRUE(line->set(true).is_ok());
  ASSERT_TRUE(line->set(false).is_ok());
  ASSERT_EQ(kernel.set_values.size(), 2u);
  EXPECT_EQ(kernel.set_values[0].mask, 1u);
  EXPECT_EQ(kernel.set_values[0].bits, 1u);
  EXPECT_EQ(kernel.set_values[1].bits, 0u);
  line.reset();
  EXPECT_EQ(kernel.closed.back(), kLineFd);  // released on destruction
}

TEST(Chardev, ARefusedSetValuesIsAFailedWriteWithItsErrno) {
  FakeKernel kernel;
  ChardevBackend chip("/dev/gpiochip0", kernel);
  std::string error;
  auto line = take(chip.request_output({"GPIO17"}, false), error);
  ASSERT_TRUE(line) << error;
  kernel.fail_set = EIO;
  const port::Status refused = line->set(true);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error_number(), EIO);
  EXPECT_FALSE(line->active());  // still the level last written
  kernel.fail_set = ENODEV;      // the chip went away
  const port::Status gone = line->set(true);
  EXPECT_FALSE(gone.is_ok());
  EXPECT_EQ(gone.error_number(), ENODEV);
  EXPECT_STREQ(gone.reason(), "writing the line: No such device");
  EXPECT_TRUE(kernel.set_values.empty());
}

class NoObserver final : public LockObserver {
 public:
  void on_lock_event(LockEvent event) override { events.push_back(to_string(event)); }
  void on_command_finished(bool) override {}
  void on_report_changed() override {}
  void on_alarm(Alarm, bool) override {}
  std::vector<std::string> events;
};

TEST(Chardev, TheLockIsInFaultWhenTheKernelRefusesTheWrite) {
  FakeKernel kernel;
  ChardevBackend chip("/dev/gpiochip0", kernel);
  std::string error;
  const LockSettings settings;
  auto line = take(
      chip.request_output({"GPIO17"}, LockActuator::level_for(settings, settings.default_state)),
      error);
  ASSERT_TRUE(line) << error;
  port::EventLoop loop;
  NoObserver observer;
  LockActuator lock(loop, settings, *line, nullptr, nullptr, observer);
  ASSERT_TRUE(lock.start().is_ok());
  kernel.fail_set = EIO;
  EXPECT_EQ(lock.unlock(-1), CommandResult::write_failed);
  EXPECT_EQ(lock.state(), LockState::fault);
  EXPECT_STREQ(lock.problem(), "writing the lock line failed: Input/output error");
  EXPECT_EQ(observer.events, std::vector<std::string>{"fault"});
  kernel.fail_set = 0;
  EXPECT_EQ(lock.lock(-1), CommandResult::done);
  EXPECT_EQ(lock.state(), LockState::locked);
  ASSERT_EQ(kernel.set_values.size(), 1u);
  EXPECT_EQ(kernel.set_values[0].bits, 0u);
}

TEST(Chardev, InputHasBothEdgesBiasAndKernelDebounce) {
  FakeKernel kernel;
  ChardevBackend chip("/dev/gpiochip0", kernel);
  std::string error;
  auto line = take(chip.request_input({"GPIO22", false, Bias::pull_up, 20000}), error);
  ASSERT_TRUE(line) << error;
  const gpio_v2_line_request& req = kernel.requests[0];
  EXPECT_EQ(req.offsets[0], 22u);
  EXPECT_EQ(req.config.flags, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                                  GPIO_V2_LINE_FLAG_EDGE_FALLING | GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
  ASSERT_EQ(req.config.num_attrs, 1u);
  EXPECT_EQ(req.config.attrs[0].attr.id, GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
  EXPECT_EQ(req.config.attrs[0].attr.debounce_period_us, 20000u);
  EXPECT_EQ(line->event_fd(), kLineFd);

  kernel.input_bits = 1;
  const port::Result<bool> active = line->read();
  ASSERT_TRUE(active.is_ok());
  EXPECT_TRUE(active.value());
  kernel.pending_batches = 2;
  line->drain_events();
  EXPECT_EQ(kernel.reads, 3);  // two full batches, then EAGAIN
}

TEST(Chardev, OtherBiasSettings) {
  for (auto [bias, flag] : {std::pair{Bias::pull_down, GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN},
                            std::pair{Bias::disabled, GPIO_V2_LINE_FLAG_BIAS_DISABLED}}) {
    FakeKernel kernel;
    ChardevBackend chip("/dev/gpiochip0", kernel);
    std::string error;
    ASSERT_TRUE(take(chip.request_input({"3", false, bias, 0}), error)) << error;
    EXPECT_EQ(kernel.requests[0].config.flags & flag, static_cast<uint64_t>(flag));
    EXPECT_EQ(kernel.requests[0].config.num_attrs, 0u);  // no debounce asked
  }
}

TEST(Chardev, FailuresSayWhat) {
  std::string error;
  FakeKernel missing;
  missing.fail_open = true;
  EXPECT_FALSE(
      take(ChardevBackend("/dev/gpiochip9", missing).request_output({"GPIO17"}, false), error));
  EXPECT_EQ(error, "/dev/gpiochip9: No such file or directory");

  FakeKernel kernel;
  ChardevBackend chip("/dev/gpiochip0", kernel);
  EXPECT_FALSE(take(chip.request_output({"GPIO99"}, false), error));
  EXPECT_EQ(error, "/dev/gpiochip0: no line named GPIO99");
  EXPECT_FALSE(take(chip.request_output({"54"}, false), error));
  EXPECT_EQ(error, "/dev/gpiochip0: line 54 is past the chip's 54 lines");

  kernel.fail_request = true;
  EXPECT_FALSE(take(chip.request_output({"GPIO17"}, false), error));
  EXPECT_EQ(error, "/dev/gpiochip0: requesting line GPIO17: Device or resource busy");
  EXPECT_EQ(kernel.closed.size(), 3u);  // the chip fd is closed on every path
}

}  // namespace
}  // namespace door::hal
