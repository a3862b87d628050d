#include "port/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace door::port {

bool read_small_file(const std::string& path, std::size_t max_bytes, std::string& out,
                     std::string& error) {
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer forever. It changes nothing for
  // a regular file, the only kind read here.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    close(fd);
    return false;
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
    close(fd);
    return false;
  }
  out.assign(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = path + ": read failed";
      close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return true;
}

}  // namespace door::port
