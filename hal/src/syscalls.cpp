#include "hal/syscalls.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace door::hal {

namespace {
class LinuxSyscalls final : public Syscalls {
 public:
  int open(const char* path, int flags) override { return ::open(path, flags); }
  int ioctl(int fd, unsigned long request, void* arg) override { return ::ioctl(fd, request, arg); }
  ssize_t read(int fd, void* buffer, std::size_t size) override { return ::read(fd, buffer, size); }
  int close(int fd) override { return ::close(fd); }
  int set_nonblocking(int fd) override {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags < 0 ? flags : ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  }
};
}  // namespace

Syscalls& linux_syscalls() {
  static LinuxSyscalls sys;
  return sys;
}

}  // namespace door::hal
