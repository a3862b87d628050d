#pragma once
// The systemd notification protocol (sd_notify(3)) without libsystemd: datagrams such as
// "READY=1" or "WATCHDOG=1" to the socket named by $NOTIFY_SOCKET. Without that variable (not
// started by systemd) every call does nothing.
#include <cstdint>

namespace door::port {

class ServiceNotify {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
  ServiceNotify();
  ~ServiceNotify();
  ServiceNotify(const ServiceNotify&) = delete;
  ServiceNotify& operator=(const ServiceNotify&) = delete;

  // Sends one notification, e.g. "READY=1\nSTATUS=online"; a failure is logged (systemd then
  // goes by its timeouts), nothing to do for the caller.
  void send(const char* message);
  // How often to send WATCHDOG=1 (half the service's WatchdogSec), or 0 when no watchdog is set.
  int64_t watchdog_interval_ms() const { return watchdog_interval_ms_; }

 private:
  int fd_ = -1;
  char path_[108] = {};
  unsigned path_length_ = 0;
  int64_t watchdog_interval_ms_ = 0;
};

}  // namespace door::port
