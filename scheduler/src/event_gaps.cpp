#include "scheduler/event_gaps.hpp"

#include <algorithm>
#include <utility>

namespace door::scheduler {

namespace {

using Range = std::pair<int64_t, int64_t>;  // from, to

// The missing seqs [from, to] before the stored event `next`, split by the dropped ranges (sorted).
void split(int64_t from, int64_t to, const std::vector<Range>& dropped, const StoredEvent& next,
           std::vector<SeqGap>& out) {
  const auto add = [&](int64_t a, int64_t b, bool was_dropped) {
    out.push_back(SeqGap{next.epoch, a, b, was_dropped, next.time()});
  };
  int64_t cursor = from;
  for (const auto& [a, b] : dropped) {
    if (b < cursor || a > to) continue;
    if (a > cursor) add(cursor, a - 1, false);
    const int64_t end = std::min(b, to);
    add(std::max(a, cursor), end, true);
    cursor = end + 1;
    if (cursor > to) return;
  }
  add(cursor, to, false);
}

}  // namespace

std::vector<SeqGap> missing_seqs(const std::vector<StoredEvent>& device_events) {
  std::vector<SeqGap> gaps;
  for (std::size_t first = 0; first < device_events.size();) {
    const int64_t epoch = device_events[first].epoch;
    std::size_t end = first;
    std::vector<Range> dropped;
    for (; end < device_events.size() && device_events[end].epoch == epoch; ++end) {
      const StoredEvent& e = device_events[end];
      if (e.dropped_from && e.dropped_to) dropped.emplace_back(*e.dropped_from, *e.dropped_to);
    }
    std::sort(dropped.begin(), dropped.end());
    for (std::size_t i = first + 1; epoch > 0 && i < end; ++i) {
      const int64_t before = *device_events[i - 1].seq;
      const int64_t seq = *device_events[i].seq;
      if (seq > before + 1) split(before + 1, seq - 1, dropped, device_events[i], gaps);
    }
    first = end;
  }
  return gaps;
}

}  // namespace door::scheduler
