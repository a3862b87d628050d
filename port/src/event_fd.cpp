#include "port/event_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "port/log.hpp"

namespace door::port {

EventFd::EventFd() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) log_errno(Level::error, "eventfd");
}

EventFd::~EventFd() {
  if (fd_ >= 0) close(fd_);
}

void EventFd::signal() {
  const uint64_t one = 1;
  ssize_t ignored = write(fd_, &one, sizeof one);  // EAGAIN only when the counter is saturated
  (void)ignored;
}

void EventFd::drain() {
  uint64_t count = 0;
  ssize_t ignored = read(fd_, &count, sizeof count);
  (void)ignored;
}

}  // namespace door::port
