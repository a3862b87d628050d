#pragma once
// An eventfd that other threads signal to wake the loop thread.
namespace door::port {

class EventFd {
 public:
  EventFd();
  ~EventFd();
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;

  int fd() const { return fd_; }
  // Safe from any thread; async-signal-safe.
  void signal();
  // Called by the loop thread when the fd is readable.
  void drain();

 private:
  int fd_;
};

}  // namespace door::port
