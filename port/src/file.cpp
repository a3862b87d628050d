#include "port/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace door::port {

Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer forever. It changes nothing for
  // a regular file, the only kind read here.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::system_error(Status::Code::unavailable, errno, "%s", path.c_str());
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::failure(Status::Code::invalid, "%s: not a regular file", path.c_str());
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    close(fd);
    return Status::failure(Status::Code::too_large, "%s: larger than %zu bytes", path.c_str(),
                           max_bytes);
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return Status::failure(Status::Code::io_error, "%s: read failed", path.c_str());
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return text;
}

}  // namespace door::port
