#pragma once
// A FIFO through which a demo or a test drives the fake GPIO from outside the agent:
//   echo "set DOOR active" > /run/door-agent/fake-gpio
#include <cstddef>
#include <string>

#include "hal/fake_gpio.hpp"
#include "port/event_loop.hpp"

namespace door::hal {

class FakeControl final : public port::FdHandler {
 public:
  FakeControl(port::EventLoop& loop, FakeGpio& gpio, std::string fifo_path);
  ~FakeControl();
  FakeControl(const FakeControl&) = delete;
  FakeControl& operator=(const FakeControl&) = delete;

  // Makes the FIFO (mode 0600) if needed and listens on it.
  port::Status start();
  void on_fd_ready(uint32_t events) override;

 private:
  port::EventLoop& loop_;
  FakeGpio& gpio_;
  std::string path_;
  int fd_ = -1;
  char pending_[256];
  std::size_t pending_length_ = 0;
};

}  // namespace door::hal
