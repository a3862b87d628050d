#include "port/event_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "port/clock.hpp"
#include "port/log.hpp"

namespace door::port {

namespace {
constexpr int kMaxEventsPerWait = 16;
}

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) log_errno(Level::error, "epoll_create1");
}

EventLoop::~EventLoop() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

Status EventLoop::add_fd(int fd, uint32_t epoll_events, FdHandler* handler) {
  epoll_event ev{};
  ev.events = epoll_events;
  ev.data.ptr = handler;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const Status status = Status::system_error(Status::Code::io_error, errno, "epoll_ctl add");
    log(Level::error, "%s", status.reason());
    return status;
  }
  return Status::ok();
}

void EventLoop::remove_fd(int fd, const FdHandler* handler) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  for (int i = 0; i < batch_size_; ++i) {
    if (batch_[i] == handler) batch_[i] = nullptr;
  }
}

Result<TimerId> EventLoop::add_timer(TimerHandler* handler) {
  if (timer_count_ == kMaxTimers) {
    const Status full = Status::failure(Status::Code::full,
                                        "event loop: all %zu timer slots are in use", kMaxTimers);
    log(Level::error, "%s", full.reason());
    return full;
  }
  timers_[timer_count_].handler = handler;
  return static_cast<TimerId>(timer_count_++);
}

void EventLoop::arm_timer(TimerId id, int64_t delay_ms) {
  if (id < 0 || static_cast<std::size_t>(id) >= timer_count_) return;
  timers_[id].deadline_ms = monotonic_ms() + (delay_ms < 0 ? 0 : delay_ms);
  timers_[id].armed = true;
}

void EventLoop::cancel_timer(TimerId id) {
  if (id < 0 || static_cast<std::size_t>(id) >= timer_count_) return;
  timers_[id].armed = false;
}

bool EventLoop::timer_armed(TimerId id) const {
  return id >= 0 && static_cast<std::size_t>(id) < timer_count_ && timers_[id].armed;
}

int EventLoop::next_timeout_ms(int cap_ms) const {
  const int64_t now = monotonic_ms();
  int64_t timeout = cap_ms;
  for (std::size_t i = 0; i < timer_count_; ++i) {
    if (!timers_[i].armed) continue;
    const int64_t left = timers_[i].deadline_ms - now;
    if (left <= 0) return 0;
    if (timeout < 0 || left < timeout) timeout = left;
  }
  return static_cast<int>(timeout);
}

void EventLoop::fire_due_timers() {
  // The timers due now, earliest deadline first: a late wake-up (a loaded or emulated machine) that
  // finds several due still fires them in the order they were due.
  const int64_t now = monotonic_ms();
  std::size_t due[kMaxTimers];
  std::size_t count = 0;
  for (std::size_t i = 0; i < timer_count_; ++i) {
    if (!timers_[i].armed || timers_[i].deadline_ms > now) continue;
    std::size_t at = count++;
    for (; at > 0 && timers_[due[at - 1]].deadline_ms > timers_[i].deadline_ms; --at) {
      due[at] = due[at - 1];
    }
    due[at] = i;
  }
  for (std::size_t k = 0; k < count; ++k) {
    Timer& t = timers_[due[k]];
    // An earlier handler may have cancelled it, or re-armed it for later.
    if (!t.armed || t.deadline_ms > now) continue;
    t.armed = false;  // one-shot; the handler may re-arm it
    t.handler->on_timer();
  }
}

void EventLoop::run_once(int timeout_ms) {
  epoll_event events[kMaxEventsPerWait];
  const int n = epoll_wait(epoll_fd_, events, kMaxEventsPerWait, next_timeout_ms(timeout_ms));
  if (n < 0 && errno != EINTR) log_errno(Level::error, "epoll_wait");
  FdHandler* handlers[kMaxEventsPerWait];
  for (int i = 0; i < n; ++i) handlers[i] = static_cast<FdHandler*>(events[i].data.ptr);
  batch_ = handlers;
  batch_size_ = n < 0 ? 0 : n;
  for (int i = 0; i < batch_size_; ++i) {
    FdHandler* handler = handlers[i];
    handlers[i] = nullptr;  // dispatched: a later removal has nothing left to clear here
    if (handler != nullptr) handler->on_fd_ready(events[i].events);
  }
  batch_ = nullptr;
  batch_size_ = 0;
  fire_due_timers();
  if (batch_end_ != nullptr) batch_end_->on_timer();
}

void EventLoop::run() {
  running_ = true;
  while (running_) run_once(-1);
}

}  // namespace door::port
