#pragma once
// The system calls the GPIO character device backend makes, behind a seam so tests can check every
// request it sends to the kernel without hardware.
#include <sys/types.h>

#include <cstddef>

namespace door::hal {

class Syscalls {
 public:
  virtual ~Syscalls() = default;
  virtual int open(const char* path, int flags) = 0;
  virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual ssize_t read(int fd, void* buffer, std::size_t size) = 0;
  virtual int close(int fd) = 0;
  virtual int set_nonblocking(int fd) = 0;
};

// The real kernel.
Syscalls& linux_syscalls();

}  // namespace door::hal
