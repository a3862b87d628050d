// The GPIO character device backend on a real kernel: a gpio-sim chip made by the guest's init
// (tests/guest/init.sh) with 32 lines, GPIO17 (lock output), GPIO27 (lock feedback) and GPIO22
// (door contact) named as on a Raspberry Pi. The test drives inputs through gpio-sim's `pull`
// attribute and reads outputs from its `value` attribute. Runs only in the emulated board
// (tests/guest/run.sh): DOOR_GPIO_CHIP names the chip's device, DOOR_GPIO_SIM its sysfs directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/gpio.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "guest_lines.hpp"

namespace door::guest {
namespace {

constexpr uint32_t kLock = 17;
constexpr uint32_t kFeedback = 27;
constexpr uint32_t kDoor = 22;
// How long an awaited edge may take on an emulated CPU before the test fails.
constexpr int kEventWaitMs = 5000;
constexpr int kBounces = 9;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : value;
}

class KernelLines : public ::testing::Test {
 protected:
  void SetUp() override {
    chip_ = env("DOOR_GPIO_CHIP");
    sim_ = env("DOOR_GPIO_SIM");
    ASSERT_FALSE(chip_.empty() || sim_.empty()) << "DOOR_GPIO_CHIP and DOOR_GPIO_SIM must be set";
    for (uint32_t line : {kFeedback, kDoor}) pull(line, false);
  }

  void pull(uint32_t offset, bool up) {
    std::ofstream file(sim_ + "/sim_gpio" + std::to_string(offset) + "/pull");
    file << (up ? "pull-up" : "pull-down");
    file.close();
    ASSERT_TRUE(file) << "cannot write the pull of line " << offset;
  }
  std::string sim_attribute(uint32_t offset, const char* name) {
    std::ifstream file(sim_ + "/sim_gpio" + std::to_string(offset) + "/" + name);
    std::string text;
    std::getline(file, text);
    return text;
  }
  // A reed contact's bounce: the level flips every 5 ms (gpio-sim merges flips faster than it
  // raises its interrupt), nine times, ending high.
  void bounce(uint32_t offset) {
    for (int i = 0; i < kBounces; ++i) {
      if (i > 0) ::usleep(5000);
      pull(offset, i % 2 == 0);
    }
  }
  // The electrical level the chip sees on the line.
  int value(uint32_t offset) { return std::stoi(sim_attribute(offset, "value")); }

  // What the kernel says about a line: its flags, consumer and attributes.
  gpio_v2_line_info info(uint32_t offset) {
    gpio_v2_line_info line{};
    line.offset = offset;
    const int fd = ::open(chip_.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0) << chip_ << ": " << std::strerror(errno);
    EXPECT_EQ(::ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &line), 0) << std::strerror(errno);
    ::close(fd);
    return line;
  }
  static uint32_t debounce_of(const gpio_v2_line_info& line) {
    for (uint32_t i = 0; i < line.num_attrs; ++i) {
      if (line.attrs[i].id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
        return line.attrs[i].debounce_period_us;
    }
    return 0;
  }

  static bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
  }
  // Reads the pending edge events of an input line's request (the HAL's event fd).
  static int read_events(int fd, gpio_v2_line_event* events, int capacity) {
    const ssize_t n = ::read(fd, events, sizeof(gpio_v2_line_event) * capacity);
    return n < 0 ? 0 : static_cast<int>(n / static_cast<ssize_t>(sizeof(gpio_v2_line_event)));
  }

  hal::LineSpec spec(const char* line) {
    hal::LineSpec s;
    s.line = line;
    return s;
  }

  std::string chip_;
  std::string sim_;
};

TEST_F(KernelLines, OutputByNameStartsAtItsInitialLevel) {
  hal::ChardevBackend chip(chip_);
  for (bool initial : {true, false, true}) {
    std::string error;
    auto lock = request_output(chip, spec("GPIO17"), initial, error);
    ASSERT_NE(lock, nullptr) << error;
    EXPECT_EQ(value(kLock), initial ? 1 : 0);
    const gpio_v2_line_info line = info(kLock);
    EXPECT_STREQ(line.consumer, "door-agent");
    EXPECT_NE(line.flags & GPIO_V2_LINE_FLAG_OUTPUT, 0u);
    EXPECT_NE(line.flags & GPIO_V2_LINE_FLAG_USED, 0u);
  }
}

TEST_F(KernelLines, OutputFollowsItsWrites) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto lock = request_output(chip, spec("GPIO17"), false, error);
  ASSERT_NE(lock, nullptr) << error;
  ASSERT_TRUE(set_level(*lock, true));
  EXPECT_EQ(value(kLock), 1);
  EXPECT_TRUE(lock->active());
  ASSERT_TRUE(set_level(*lock, false));
  EXPECT_EQ(value(kLock), 0);
}

TEST_F(KernelLines, ActiveLowOutputDrivesTheInvertedLevel) {
  hal::ChardevBackend chip(chip_);
  hal::LineSpec lock_spec = spec("GPIO17");
  lock_spec.active_low = true;
  std::string error;
  auto lock = request_output(chip, lock_spec, true, error);
  ASSERT_NE(lock, nullptr) << error;
  EXPECT_EQ(value(kLock), 0);
  EXPECT_NE(info(kLock).flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW, 0u);
  ASSERT_TRUE(set_level(*lock, false));
  EXPECT_EQ(value(kLock), 1);
}

TEST_F(KernelLines, InputByOffsetReadsTheLevel) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto feedback = request_input(chip, spec("27"), error);
  ASSERT_NE(feedback, nullptr) << error;
  EXPECT_STREQ(info(kFeedback).consumer, "door-agent");
  EXPECT_STREQ(info(kFeedback).name, "GPIO27");
  bool active = true;
  ASSERT_TRUE(read_level(*feedback, active));
  EXPECT_FALSE(active);
  pull(kFeedback, true);
  ASSERT_TRUE(read_level(*feedback, active));
  EXPECT_TRUE(active);
}

TEST_F(KernelLines, ActiveLowInputReadsTheInvertedLevel) {
  hal::ChardevBackend chip(chip_);
  hal::LineSpec feedback_spec = spec("GPIO27");
  feedback_spec.active_low = true;
  std::string error;
  auto feedback = request_input(chip, feedback_spec, error);
  ASSERT_NE(feedback, nullptr) << error;
  bool active = false;
  ASSERT_TRUE(read_level(*feedback, active));
  EXPECT_TRUE(active);
}

// gpio-sim applies a requested bias as the line's pull, as a real pin's resistor would.
TEST_F(KernelLines, BiasIsAppliedToTheLine) {
  hal::ChardevBackend chip(chip_);
  for (hal::Bias bias : {hal::Bias::pull_up, hal::Bias::pull_down}) {
    const bool up = bias == hal::Bias::pull_up;
    hal::LineSpec door_spec = spec("GPIO22");
    door_spec.bias = bias;
    pull(kDoor, !up);
    std::string error;
    auto door = request_input(chip, door_spec, error);
    ASSERT_NE(door, nullptr) << error;
    EXPECT_EQ(sim_attribute(kDoor, "pull"), up ? "pull-up" : "pull-down");
    EXPECT_NE(info(kDoor).flags &
                  (up ? GPIO_V2_LINE_FLAG_BIAS_PULL_UP : GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN),
              0u);
    bool active = !up;
    ASSERT_TRUE(read_level(*door, active));
    EXPECT_EQ(active, up);
  }
}

TEST_F(KernelLines, BothEdgesAreEvents) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto door = request_input(chip, spec("GPIO22"), error);
  ASSERT_NE(door, nullptr) << error;
  EXPECT_FALSE(readable(door->event_fd(), 0));
  for (bool up : {true, false, true}) {
    pull(kDoor, up);
    ASSERT_TRUE(readable(door->event_fd(), kEventWaitMs)) << "no edge event";
    gpio_v2_line_event events[4];
    ASSERT_EQ(read_events(door->event_fd(), events, 4), 1);
    EXPECT_EQ(events[0].id, up ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE);
    EXPECT_EQ(events[0].offset, kDoor);
    bool active = !up;
    ASSERT_TRUE(read_level(*door, active));
    EXPECT_EQ(active, up);
  }
}

TEST_F(KernelLines, DrainingConsumesEveryPendingEvent) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto door = request_input(chip, spec("GPIO22"), error);
  ASSERT_NE(door, nullptr) << error;
  for (int i = 0; i < 40; ++i) {  // more than one batch of events
    ::usleep(2000);
    pull(kDoor, i % 2 == 0);
  }
  ASSERT_TRUE(readable(door->event_fd(), kEventWaitMs));
  door->drain_events();
  EXPECT_FALSE(readable(door->event_fd(), 0));
  bool active = true;
  ASSERT_TRUE(read_level(*door, active));
  EXPECT_FALSE(active);
}

// A reed contact bounces for a few milliseconds; with debounce the kernel reports one edge once
// the level has been stable for the period.
TEST_F(KernelLines, DebounceTurnsABounceIntoOneEdge) {
  constexpr uint32_t kDebounceUs = 200000;  // five times the bounce
  hal::ChardevBackend chip(chip_);
  hal::LineSpec door_spec = spec("GPIO22");
  door_spec.debounce_us = kDebounceUs;
  std::string error;
  auto door = request_input(chip, door_spec, error);
  ASSERT_NE(door, nullptr) << error;
  EXPECT_EQ(debounce_of(info(kDoor)), kDebounceUs);
  bounce(kDoor);
  ASSERT_TRUE(readable(door->event_fd(), kEventWaitMs)) << "no edge after the bounce";
  gpio_v2_line_event events[16];
  const int n = read_events(door->event_fd(), events, 16);
  ASSERT_EQ(n, 1);
  EXPECT_EQ(events[0].id, GPIO_V2_LINE_EVENT_RISING_EDGE);
  bool active = false;
  ASSERT_TRUE(read_level(*door, active));
  EXPECT_TRUE(active);
}

// The counterpart: the same bounce without debounce is several edges, so the test above could fail.
TEST_F(KernelLines, WithoutDebounceTheBounceIsSeveralEdges) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto door = request_input(chip, spec("GPIO22"), error);
  ASSERT_NE(door, nullptr) << error;
  EXPECT_EQ(debounce_of(info(kDoor)), 0u);
  bounce(kDoor);
  ASSERT_TRUE(readable(door->event_fd(), kEventWaitMs));
  gpio_v2_line_event events[16];
  EXPECT_GT(read_events(door->event_fd(), events, 16), 1);
}

TEST_F(KernelLines, ABusyLineIsRefused) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto lock = request_output(chip, spec("GPIO17"), false, error);
  ASSERT_NE(lock, nullptr) << error;
  auto again = request_output(chip, spec("17"), true, error);
  EXPECT_EQ(again, nullptr);
  EXPECT_NE(error.find("requesting line 17: Device or resource busy"), std::string::npos) << error;
  EXPECT_EQ(value(kLock), 0) << "a refused request must not move the line";
}

TEST_F(KernelLines, AMissingLineOrChipIsRefused) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  EXPECT_EQ(request_input(chip, spec("GPIO99"), error), nullptr);
  EXPECT_EQ(error, chip_ + ": no line named GPIO99");
  EXPECT_EQ(request_output(chip, spec("32"), false, error), nullptr);
  EXPECT_EQ(error, chip_ + ": line 32 is past the chip's 32 lines");
  hal::ChardevBackend absent("/dev/gpiochip9");
  EXPECT_EQ(request_input(absent, spec("GPIO22"), error), nullptr);
  EXPECT_EQ(error, "/dev/gpiochip9: No such file or directory");
}

TEST_F(KernelLines, AReleasedLineCanBeRequestedAgain) {
  hal::ChardevBackend chip(chip_);
  std::string error;
  auto lock = request_output(chip, spec("GPIO17"), true, error);
  ASSERT_NE(lock, nullptr) << error;
  lock.reset();
  EXPECT_EQ(info(kLock).flags & GPIO_V2_LINE_FLAG_USED, 0u);
  lock = request_output(chip, spec("GPIO17"), true, error);
  EXPECT_NE(lock, nullptr) << error;
}

}  // namespace
}  // namespace door::guest
