#pragma once
// Logging to stderr, one write per line. Under systemd (JOURNAL_STREAM names our stderr) each line
// carries an sd-daemon "<N>" priority prefix so journald files it at the right level; on a terminal
// it carries a UTC timestamp and the level name. Never pass secrets (keys, tokens, passwords).
#include <cstdarg>

#include "port/status.hpp"

namespace door::port {

enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

void set_log_level(Level level);
Level log_level();
// Parses "error", "warning", "notice", "info", "debug"; invalid if the name is not one of them.
Result<Level> parse_log_level(const char* name);

void log(Level level, const char* format, ...) __attribute__((format(printf, 2, 3)));
void vlog(Level level, const char* format, va_list args);
// Appends ": <strerror(errno)>" to the message.
void log_errno(Level level, const char* what);

}  // namespace door::port
