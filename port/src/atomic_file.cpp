#include "port/atomic_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace door::port {

namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool fsync_directory_of(const char* path) {
  char dir[PATH_MAX];
  const char* slash = std::strrchr(path, '/');
  if (slash == nullptr) {
    std::strcpy(dir, ".");
  } else if (slash == path) {
    std::strcpy(dir, "/");
  } else {
    const auto n = static_cast<std::size_t>(slash - path);
    if (n >= sizeof dir) return false;
    std::memcpy(dir, path, n);
    dir[n] = '\0';
  }
  const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

// Each step returns false with errno set.
bool replace(const char* path, std::string_view data) {
  char tmp[PATH_MAX];
  char prev[PATH_MAX];
  if (std::snprintf(tmp, sizeof tmp, "%s.tmp", path) >= static_cast<int>(sizeof tmp) ||
      std::snprintf(prev, sizeof prev, "%s.prev", path) >= static_cast<int>(sizeof prev)) {
    errno = ENAMETOOLONG;
    return false;
  }
  const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  if (!write_all(fd, data) || fsync(fd) != 0) {
    const int err = errno;
    close(fd);
    unlink(tmp);
    errno = err;
    return false;
  }
  close(fd);
  // Keep the current file as the last good copy. When there is none (the first write, or a broken
  // file the caller moved aside), the last good copy stays as it is.
  if (access(path, F_OK) == 0) {
    unlink(prev);
    if (link(path, prev) != 0) return false;
  } else if (errno != ENOENT) {
    return false;
  }
  if (rename(tmp, path) != 0) return false;
  return fsync_directory_of(path);
}

}  // namespace

Status replace_file(const char* path, std::string_view data) {
  if (replace(path, data)) return Status::ok();
  return Status::system_error(Status::Code::io_error, errno, "%s", path);
}

Status rename_file(const char* from, const char* to) {
  if (rename(from, to) == 0 && fsync_directory_of(to)) return Status::ok();
  return Status::system_error(Status::Code::io_error, errno, "%s", to);
}

Status remove_file(const char* path) {
  if ((unlink(path) == 0 || errno == ENOENT) && fsync_directory_of(path)) return Status::ok();
  return Status::system_error(Status::Code::io_error, errno, "%s", path);
}

}  // namespace door::port
