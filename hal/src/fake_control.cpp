#include "hal/fake_control.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "port/log.hpp"

namespace door::hal {

FakeControl::FakeControl(port::EventLoop& loop, FakeGpio& gpio, std::string fifo_path)
    : loop_(loop), gpio_(gpio), path_(std::move(fifo_path)) {}

FakeControl::~FakeControl() {
  if (fd_ < 0) return;
  loop_.remove_fd(fd_, this);
  close(fd_);
}

port::Status FakeControl::start() {
  if (mkfifo(path_.c_str(), 0600) != 0 && errno != EEXIST) {
    return port::Status::system_error(port::Status::Code::unavailable, errno, "%s", path_.c_str());
  }
  // Read-write, so the FIFO never reports end-of-file when a writer goes away.
  fd_ = open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    return port::Status::system_error(port::Status::Code::unavailable, errno, "%s", path_.c_str());
  }
  const port::Status added = loop_.add_fd(fd_, EPOLLIN, this);
  if (!added.is_ok()) {
    return port::Status::system_error(port::Status::Code::unavailable, added.error_number(), "%s",
                                      path_.c_str());
  }
  return port::Status::ok();
}

void FakeControl::on_fd_ready(uint32_t) {
  for (;;) {
    const ssize_t n = read(fd_, pending_ + pending_length_, sizeof pending_ - pending_length_);
    if (n <= 0) return;
    pending_length_ += static_cast<std::size_t>(n);
    char* newline;
    while ((newline = static_cast<char*>(std::memchr(pending_, '\n', pending_length_))) !=
           nullptr) {
      const std::size_t length = static_cast<std::size_t>(newline - pending_);
      const port::Status done = gpio_.execute(std::string_view(pending_, length));
      if (done.is_ok()) {
        port::log(port::Level::info, "fake gpio: %.*s", static_cast<int>(length), pending_);
      } else {
        port::log(port::Level::warning, "%s", done.reason());
      }
      pending_length_ -= length + 1;
      std::memmove(pending_, newline + 1, pending_length_);
    }
    if (pending_length_ == sizeof pending_) {
      port::log(port::Level::warning, "fake gpio: command longer than %zu bytes ignored",
                sizeof pending_);
      pending_length_ = 0;
    }
  }
}

}  // namespace door::hal
