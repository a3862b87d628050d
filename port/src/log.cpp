#include "port/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "port/clock.hpp"

namespace door::port {

namespace {

constexpr std::size_t kMaxLine = 512;

std::atomic<Level> g_level{Level::info};

const char* level_name(Level level) {
  switch (level) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::notice: return "notice";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "info";
}

// JOURNAL_STREAM is "device:inode" of the journal socket systemd connected to our stderr.
bool stderr_is_journal() {
  static const bool is_journal = [] {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
  }();
  return is_journal;
}

}  // namespace

void set_log_level(Level level) {
  g_level.store(level);
}
Level log_level() {
  return g_level.load();
}

Result<Level> parse_log_level(const char* name) {
  for (Level l : {Level::error, Level::warning, Level::notice, Level::info, Level::debug}) {
    if (std::strcmp(name, level_name(l)) == 0) return l;
  }
  return Status::invalid();
}

void vlog(Level level, const char* format, va_list args) {
  if (static_cast<int>(level) > static_cast<int>(g_level.load())) return;
  char line[kMaxLine];
  int used = 0;
  if (stderr_is_journal()) {
    used = std::snprintf(line, sizeof line, "<%d>", static_cast<int>(level));
  } else {
    char stamp[32];
    if (!format_utc(wall_seconds(), stamp, sizeof stamp).is_ok()) stamp[0] = '\0';
    used = std::snprintf(line, sizeof line, "%s %s: ", stamp, level_name(level));
  }
  const int room = static_cast<int>(sizeof line) - used - 1;  // keep one byte for '\n'
  int body = std::vsnprintf(line + used, static_cast<std::size_t>(room) + 1, format, args);
  if (body < 0) body = 0;
  if (body > room) body = room;  // an over-long line is cut, never split across writes
  used += body;
  line[used++] = '\n';
  ssize_t ignored = write(STDERR_FILENO, line, static_cast<std::size_t>(used));
  (void)ignored;
}

void log(Level level, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vlog(level, format, args);
  va_end(args);
}

void log_errno(Level level, const char* what) {
  const int err = errno;
  char buf[128];
  log(level, "%s: %s", what, strerror_r(err, buf, sizeof buf));
}

}  // namespace door::port
