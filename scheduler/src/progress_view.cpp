#include "progress_view.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli.hpp"
#include "port/clock.hpp"

namespace door::scheduler::cli {

namespace {

constexpr int64_t kDrawEveryMs = 1000;
constexpr int kBarWidth = 24;

std::string duration(int64_t seconds) {
  char text[32];
  if (seconds >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  }
  return text;
}

}  // namespace

ProgressView::ProgressView(std::string job_id, bool device_lines)
    : job_id_(std::move(job_id)),
      device_lines_(device_lines),
      terminal_(isatty(STDERR_FILENO) != 0) {}

ProgressView::~ProgressView() {
  clear();
}

void ProgressView::begin(int64_t started) {
  started_ = started;
  next_draw_ms_ = 0;
}

std::string ProgressView::text(const Statistics& st) const {
  const int done = st.succeeded + st.failed;
  const int64_t elapsed = std::max<int64_t>(0, port::wall_seconds() - started_);
  // From the pace so far: unknown before the first device ends.
  const std::string left = done > 0 && done < st.device_count
                               ? "~" + duration(elapsed * (st.device_count - done) / done)
                           : done == st.device_count ? duration(0)
                                                     : "?";
  char counts[160];
  std::snprintf(counts, sizeof counts, "%d/%d done, %d failed, %d running, %s elapsed, %s left",
                done, st.device_count, st.failed, st.running, duration(elapsed).c_str(),
                left.c_str());
  if (!terminal_) return "job " + job_id_ + ": " + counts;
  const int filled = st.device_count > 0 ? done * kBarWidth / st.device_count : 0;
  return "job " + job_id_ + " [" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kBarWidth - filled), '-') + "] " + counts;
}

void ProgressView::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

void ProgressView::device(const DeviceResult& r, const Statistics& st) {
  if (!device_lines_) return;
  clear();
  std::printf("  %-20s %-9s %3d %s   [%d/%d done, %d failed]\n", printable(r.device_id).c_str(),
              to_string(r.status), r.code, printable(r.response).c_str(), st.succeeded + st.failed,
              st.device_count, st.failed);
  std::fflush(stdout);
  if (terminal_) next_draw_ms_ = 0;  // the bar comes back at once below the line
  tick(st);
}

void ProgressView::tick(const Statistics& st) {
  const int64_t now = port::monotonic_ms();
  if (now < next_draw_ms_) return;
  next_draw_ms_ = now + kDrawEveryMs;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", text(st).c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text(st).c_str());
  }
  std::fflush(stderr);
}

void ProgressView::end() {
  clear();
  std::fflush(stderr);
}

}  // namespace door::scheduler::cli
