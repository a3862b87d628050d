#pragma once
// SIGTERM, SIGINT and SIGHUP delivered through a signalfd to the loop thread. Construct it in
// main() before any other thread starts, so every thread inherits the blocked mask.
namespace door::port {

class SignalFd {
 public:
  SignalFd();
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_; }
  // Returns the next pending signal number, or 0 when none is pending.
  int read_signal();

 private:
  int fd_;
};

}  // namespace door::port
