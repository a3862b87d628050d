#pragma once
// The door's event journal: every door event is appended here, with a sequence number that only
// grows across restarts, before it is sent, and stays until the service acknowledges it. A fixed
// file beside the state file: a header, then one slot per event (kJournalSlotBytes), the event with
// sequence s in slot s % capacity. An event is one write of one slot, checked by a CRC on reading,
// so a slot torn by a power cut is found and skipped; the file's size is set when it is made, so a
// full card does not stop the journal. Each slot also carries the journal's counters as they were
// when it was written, and the header (the oldest unacknowledged event) is written lazily: a crash
// can send an acknowledged event again, with its number, but never loses one. Full, it drops the
// oldest event and counts it. No memory beyond one slot's buffer; no allocation after open().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/capacities.hpp"
#include "port/status.hpp"

namespace door::agent {

// Events a full journal dropped and no eventsDropped event has told yet: sequences from..to.
struct DroppedRange {
  uint64_t from = 0;
  uint64_t to = 0;
  bool empty() const { return to == 0; }
  uint64_t count() const { return empty() ? 0 : to - from + 1; }
};

class EventJournal {
 public:
  EventJournal() = default;
  ~EventJournal();
  EventJournal(const EventJournal&) = delete;
  EventJournal& operator=(const EventJournal&) = delete;

  // Opens the journal at path, making it (mode 0600) with capacity slots when there is none. An
  // existing journal keeps its events and numbers; one of another capacity is laid out again (or,
  // when that fails, kept as it is).
  // A file that is not a journal is kept aside as "<path>.corrupt" and a new one made.
  [[nodiscard]] port::Status open(const std::string& path, std::size_t capacity);
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Lays the pending events out again in a journal of another capacity (the newest kept).
  [[nodiscard]] port::Status resize(std::size_t capacity);
  // Writes the header (the acknowledged position) and closes the file.
  void close();

  // Appends {"seq":N,...body} (body is a JSON object's text): N, or why it was not written. Full,
  // the oldest pending event is dropped first and counted. The write reaches the page cache; it
  // is durable once the file is synced.
  [[nodiscard]] port::Result<uint64_t> append(std::string_view body);
  // Appends the eventsDropped event that tells the dropped range (at: its time, "" when unknown).
  [[nodiscard]] port::Result<uint64_t> append_drop_notice(std::string_view at);
  // The pending event seq, read into buffer: its text; invalid when the slot is torn (a power cut
  // during its write, before its sync) or no longer holds it; io_error when it cannot be read.
  [[nodiscard]] port::Result<std::string_view> read(uint64_t seq,
                                                    char (&buffer)[kJournalSlotBytes]) const;
  // The service acknowledged seq (acknowledgements come in order; an older one is ignored).
  void acknowledge(uint64_t seq);
  // A pending event that can never be sent (its slot is torn) leaves the journal counted as
  // dropped, and the next eventsDropped event names it.
  void discard(uint64_t seq);

  uint64_t first_pending() const { return first_pending_; }
  uint64_t next_seq() const { return next_seq_; }
  std::size_t capacity() const { return capacity_; }
  uint64_t dropped_total() const { return dropped_total_; }
  const DroppedRange& unreported_drops() const { return unreported_; }

 private:
  port::Status create(std::size_t capacity);
  // Renames the journal made under another name over the path: true once the rename happened
  // (a directory that could not be synced after it is logged), else false with errno set.
  bool replaced(const std::string& made) const;
  port::Status recover();
  // The next sequence: from the header's hint when the slot before it is whole, else from every
  // slot; never below floor (the numbers a header recorded).
  void find_end(uint64_t hint, uint64_t floor);
  bool slot_holds(uint64_t seq, char (&buffer)[kJournalSlotBytes]) const;
  // The slot in buffer is whole and holds seq.
  static bool whole(uint64_t seq, const char (&buffer)[kJournalSlotBytes]);
  port::Status write_slot(uint64_t seq, std::string_view text);
  void write_header();
  port::Status failure(const char* what, int error_number) const;
  off_t slot_offset(uint64_t seq) const;
  // Makes room for one more event: drops the oldest pending one when full.
  void make_room();

  std::string path_;
  int fd_ = -1;
  std::size_t capacity_ = 0;
  uint64_t first_pending_ = 1;
  uint64_t next_seq_ = 1;
  uint64_t dropped_total_ = 0;
  DroppedRange unreported_;
  uint64_t acks_since_header_ = 0;
  // Acknowledged events from first_pending_ on (bit i: first_pending_ + i).
  uint64_t acked_after_first_ = 0;
  mutable char slot_[kJournalSlotBytes];
};

}  // namespace door::agent
