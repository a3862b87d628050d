#include "secret_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace door::scheduler::cli {

bool read_secret_line(const std::string& path, FileAccess access, port::SecretString& out,
                      std::string& error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    error = path + " is not a regular file";
    return false;
  }
  if (access == FileAccess::owner_group && (info.st_mode & (S_IWGRP | S_IRWXO)) != 0) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    error = path + " can be read or written by other users (mode " + mode +
            "): it holds a key that opens every door; chmod 600 " + path;
    return false;
  }
  port::SecretBytes<4096> text;
  std::size_t length = 0;
  ssize_t n = 0;
  while (length < sizeof text.bytes &&
         (n = read(fd, text.bytes + length, sizeof text.bytes - length)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    length += static_cast<std::size_t>(n);
  }
  const int read_error = n < 0 ? errno : 0;
  close(fd);
  if (read_error != 0) {
    error = "cannot read " + path + ": " + std::strerror(read_error);
    return false;
  }
  std::size_t line = 0;
  while (line < length && text.bytes[line] != '\n' && text.bytes[line] != '\r') ++line;
  if (line == sizeof text.bytes) {
    error = path + ": its first line is longer than 4096 bytes";
    return false;
  }
  out = port::SecretString();
  out.assign(reinterpret_cast<const char*>(text.bytes), line);
  return true;
}

}  // namespace door::scheduler::cli
