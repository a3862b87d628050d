#include "agent/event_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "port/atomic_file.hpp"
#include "port/checksum.hpp"
#include "port/log.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

namespace {

using port::Level;
using port::log;

// The header (at offset 0, one slot long), in the board's own byte order: the journal never
// leaves it.
constexpr char kHeaderMagic[8] = {'D', 'O', 'O', 'R', 'E', 'V', 'J', '1'};
constexpr std::size_t kHeaderSlotBytes = 8;
constexpr std::size_t kHeaderCapacity = 16;
constexpr std::size_t kHeaderFirstPending = 24;
constexpr std::size_t kHeaderNextSeq = 32;
constexpr std::size_t kHeaderDropped = 40;
constexpr std::size_t kHeaderCrc = 48;  // over the bytes before it
constexpr std::size_t kHeaderBytes = 52;

// A slot: a magic, a CRC over the rest, then the event and the journal's counters after it.
constexpr uint32_t kSlotMagic = 0x544E5645;  // "EVNT"
constexpr std::size_t kSlotCrc = 4;          // over [kSlotSeq, kSlotText + length)
constexpr std::size_t kSlotSeq = 8;
constexpr std::size_t kSlotFirstPending = 16;
constexpr std::size_t kSlotDropped = 24;
constexpr std::size_t kSlotUnreportedFrom = 32;
constexpr std::size_t kSlotUnreportedTo = 40;
constexpr std::size_t kSlotLength = 48;
constexpr std::size_t kSlotText = 52;
constexpr std::size_t kMaxEventText = kJournalSlotBytes - kSlotText;
static_assert(kMaxDoorEventBytes + sizeof R"({"seq":18446744073709551615,)" <= kMaxEventText,
              "a door event and its sequence fit a slot");

// The header's oldest unacknowledged event is written after this many acknowledgements (or when
// none is pending): after a crash at most this many are sent again.
constexpr uint64_t kAcksPerHeaderWrite = 64;

template <class T>
void put(char* buffer, std::size_t offset, T value) {
  std::memcpy(buffer + offset, &value, sizeof value);
}

template <class T>
T get(const char* buffer, std::size_t offset) {
  T value;
  std::memcpy(&value, buffer + offset, sizeof value);
  return value;
}

// All of length at offset, through interrupted and short transfers: io is pread or pwrite.
template <class Io, class Byte>
bool transfer(Io io, int fd, Byte* buffer, std::size_t length, off_t offset) {
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = io(fd, buffer + done, length - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool read_at(int fd, char* buffer, std::size_t length, off_t offset) {
  return transfer(pread, fd, buffer, length, offset);
}

bool write_at(int fd, const char* buffer, std::size_t length, off_t offset) {
  return transfer(pwrite, fd, buffer, length, offset);
}

off_t file_bytes(std::size_t capacity) {
  return static_cast<off_t>((capacity + 1) * kJournalSlotBytes);
}

// Sets the size of a journal of capacity slots, its blocks reserved where the file system can, so
// a card that fills up later does not stop the journal: 0, or the errno.
int reserve(int fd, std::size_t capacity) {
  const int reserved = posix_fallocate(fd, 0, file_bytes(capacity));
  if (reserved != EOPNOTSUPP && reserved != EINVAL) return reserved;
  return ftruncate(fd, file_bytes(capacity)) == 0 ? 0 : errno;
}

}  // namespace

EventJournal::~EventJournal() {
  close();
}

port::Status EventJournal::failure(const char* what, int error_number) const {
  return port::Status::system_error(port::Status::Code::io_error, error_number, "%s: %s",
                                    path_.c_str(), what);
}

off_t EventJournal::slot_offset(uint64_t seq) const {
  return static_cast<off_t>((seq % capacity_ + 1) * kJournalSlotBytes);
}

port::Status EventJournal::open(const std::string& path, std::size_t capacity) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0 && errno != ENOENT) return failure("cannot open the event journal", errno);
  if (fd_ < 0) return create(capacity);
  const port::Status recovered = recover();
  if (!recovered.is_ok()) {
    log(Level::error, "%s; keeping it as %s.corrupt and starting a new journal", recovered.reason(),
        path_.c_str());
    ::close(fd_);
    fd_ = -1;
    const std::string aside = path_ + ".corrupt";
    const port::Status moved = port::rename_file(path_.c_str(), aside.c_str());
    if (!moved.is_ok()) return moved;
    return create(capacity);
  }
  if (capacity_ != capacity) {
    const port::Status resized = resize(capacity);
    // The journal as it is still holds every event: it goes on at its old capacity.
    if (!resized.is_ok()) log(Level::error, "%s; keeping %zu events", resized.reason(), capacity_);
  }
  return port::Status::ok();
}

port::Status EventJournal::create(std::size_t capacity) {
  // Made whole under another name, so a power cut never leaves a journal without its header.
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failure("cannot create the event journal", errno);
  const int reserved = reserve(fd, capacity);
  fd_ = fd;
  capacity_ = capacity;
  write_header();
  const int synced = reserved == 0 && fsync(fd) != 0 ? errno : 0;
  if (reserved != 0 || synced != 0) {
    ::close(fd);
    fd_ = -1;
    unlink(tmp.c_str());
    return failure("cannot make room for the event journal", reserved != 0 ? reserved : synced);
  }
  if (!replaced(tmp)) {
    const int renaming = errno;
    ::close(fd);
    fd_ = -1;
    return failure("cannot create the event journal", renaming);
  }
  return port::Status::ok();
}

bool EventJournal::replaced(const std::string& made) const {
  const port::Status renamed = port::rename_file(made.c_str(), path_.c_str());
  if (renamed.is_ok()) return true;
  // Renamed, but the directory was not synced: the new file is the journal now (a power cut may
  // still find the old one, which holds what it held).
  if (access(made.c_str(), F_OK) != 0 && errno == ENOENT) {
    log(Level::warning, "%s", renamed.reason());
    return true;
  }
  errno = renamed.error_number();
  return false;
}

port::Status EventJournal::recover() {
  struct stat st;
  if (fstat(fd_, &st) != 0) return failure("cannot read the event journal", errno);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < 2 * kJournalSlotBytes || size % kJournalSlotBytes != 0) {
    return failure("not an event journal (its size)", EINVAL);
  }
  capacity_ = size / kJournalSlotBytes - 1;
  uint64_t hint = 0;
  uint64_t first = 1;
  uint64_t dropped = 0;
  if (!read_at(fd_, slot_, kJournalSlotBytes, 0)) return failure("cannot read its header", errno);
  const bool magic = std::memcmp(slot_, kHeaderMagic, sizeof kHeaderMagic) == 0;
  const bool header_valid = magic &&
                            get<uint32_t>(slot_, kHeaderCrc) == port::crc32(slot_, kHeaderCrc) &&
                            get<uint32_t>(slot_, kHeaderSlotBytes) == kJournalSlotBytes &&
                            get<uint64_t>(slot_, kHeaderCapacity) == capacity_;
  if (header_valid) {
    hint = get<uint64_t>(slot_, kHeaderNextSeq);
    first = get<uint64_t>(slot_, kHeaderFirstPending);
    dropped = get<uint64_t>(slot_, kHeaderDropped);
  }
  // Numbers a header recorded were given once: whatever the slots say, they are not given again.
  find_end(hint, std::max(hint, first));
  if (!header_valid) {
    // A file with neither a header nor one whole event is not a journal.
    if (!magic && next_seq_ == 1) return failure("not an event journal (its header)", EINVAL);
    log(Level::warning, "%s: the header is damaged; the events were found slot by slot",
        path_.c_str());
  }
  if (next_seq_ > 1 && slot_holds(next_seq_ - 1, slot_)) {
    first = std::max(first, get<uint64_t>(slot_, kSlotFirstPending));
    dropped = std::max(dropped, get<uint64_t>(slot_, kSlotDropped));
    unreported_ = DroppedRange{get<uint64_t>(slot_, kSlotUnreportedFrom),
                               get<uint64_t>(slot_, kSlotUnreportedTo)};
  }
  const uint64_t oldest_kept = next_seq_ > capacity_ ? next_seq_ - capacity_ : 1;
  first_pending_ = std::min(std::max(first, oldest_kept), next_seq_);
  dropped_total_ = dropped;
  acked_after_first_ = 0;
  log(Level::info, "%s: %llu events to send (next sequence %llu), %llu dropped so far",
      path_.c_str(), static_cast<unsigned long long>(next_seq_ - first_pending_),
      static_cast<unsigned long long>(next_seq_), static_cast<unsigned long long>(dropped_total_));
  return port::Status::ok();
}

void EventJournal::find_end(uint64_t hint, uint64_t floor) {
  uint64_t next = 1;
  if (hint > 1 && slot_holds(hint - 1, slot_)) {
    next = hint;  // the header is written lazily: behind at most, so the walk goes on from it
  } else {
    // No hint to trust (none, a new journal's, or one whose last event did not reach the card):
    // every slot is read.
    for (std::size_t slot = 0; slot < capacity_; ++slot) {
      if (!read_at(fd_, slot_, kJournalSlotBytes,
                   static_cast<off_t>((slot + 1) * kJournalSlotBytes))) {
        continue;
      }
      const uint64_t seq = get<uint64_t>(slot_, kSlotSeq);
      if (seq >= next && seq % capacity_ == slot && slot_holds(seq, slot_)) next = seq + 1;
    }
  }
  next = std::max(next, floor);
  while (slot_holds(next, slot_)) ++next;
  next_seq_ = next;
}

bool EventJournal::slot_holds(uint64_t seq, char (&buffer)[kJournalSlotBytes]) const {
  return seq >= 1 && read_at(fd_, buffer, kJournalSlotBytes, slot_offset(seq)) &&
         whole(seq, buffer);
}

bool EventJournal::whole(uint64_t seq, const char (&buffer)[kJournalSlotBytes]) {
  const auto length = get<uint32_t>(buffer, kSlotLength);
  return get<uint32_t>(buffer, 0) == kSlotMagic && get<uint64_t>(buffer, kSlotSeq) == seq &&
         length <= kMaxEventText &&
         get<uint32_t>(buffer, kSlotCrc) ==
             port::crc32(buffer + kSlotSeq, kSlotText - kSlotSeq + length);
}

port::Status EventJournal::resize(std::size_t capacity) {
  if (capacity == capacity_) return port::Status::ok();
  // The pending events are copied into a new journal under another name, which then replaces
  // this one: a power cut leaves one or the other whole.
  EventJournal fresh;
  fresh.path_ = path_ + ".new";
  fresh.fd_ = ::open(fresh.path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fresh.fd_ < 0) return failure("cannot lay the event journal out again", errno);
  const int reserved = reserve(fresh.fd_, capacity);
  fresh.capacity_ = capacity;
  const uint64_t kept_from =
      next_seq_ - first_pending_ > capacity ? next_seq_ - capacity : first_pending_;
  fresh.first_pending_ = kept_from;
  fresh.next_seq_ = kept_from;
  fresh.dropped_total_ = dropped_total_;
  fresh.unreported_ = unreported_;
  for (uint64_t seq = first_pending_; seq < kept_from; ++seq) {
    if (fresh.unreported_.empty()) fresh.unreported_.from = seq;
    fresh.unreported_.to = seq;
    ++fresh.dropped_total_;
  }
  int error = reserved;
  char buffer[kJournalSlotBytes];
  for (uint64_t seq = kept_from; error == 0 && seq < next_seq_; ++seq) {
    const port::Result<std::string_view> text = read(seq, buffer);
    if (!text.is_ok()) continue;  // torn by a power cut: its number stays unused
    const port::Status written = fresh.write_slot(seq, text.value());
    if (!written.is_ok()) error = written.error_number();
  }
  fresh.next_seq_ = next_seq_;
  if (error == 0) {
    fresh.write_header();
    if (fsync(fresh.fd_) != 0) error = errno;
  }
  if (error != 0) {
    unlink(fresh.path_.c_str());
    return failure("cannot lay the event journal out again", error);
  }
  if (!replaced(fresh.path_)) {
    unlink(fresh.path_.c_str());
    return failure("cannot lay the event journal out again", errno);
  }
  log(Level::notice, "event journal: %zu events now (was %zu)", capacity, capacity_);
  ::close(fd_);
  fd_ = fresh.fd_;
  fresh.fd_ = -1;
  capacity_ = capacity;
  first_pending_ = fresh.first_pending_;
  dropped_total_ = fresh.dropped_total_;
  unreported_ = fresh.unreported_;
  acked_after_first_ = 0;
  return port::Status::ok();
}

void EventJournal::close() {
  if (fd_ < 0) return;
  write_header();
  ::close(fd_);
  fd_ = -1;
}

void EventJournal::write_header() {
  char header[kJournalSlotBytes] = {};
  std::memcpy(header, kHeaderMagic, sizeof kHeaderMagic);
  put<uint32_t>(header, kHeaderSlotBytes, kJournalSlotBytes);
  put<uint64_t>(header, kHeaderCapacity, capacity_);
  put<uint64_t>(header, kHeaderFirstPending, first_pending_);
  put<uint64_t>(header, kHeaderNextSeq, next_seq_);
  put<uint64_t>(header, kHeaderDropped, dropped_total_);
  put<uint32_t>(header, kHeaderCrc, port::crc32(header, kHeaderCrc));
  acks_since_header_ = 0;
  // Not synced: a header that did not reach the card costs events sent again, never lost ones.
  if (!write_at(fd_, header, kHeaderBytes, 0)) {
    log(Level::warning, "%s: the header was not written: %s", path_.c_str(), std::strerror(errno));
  }
}

void EventJournal::make_room() {
  if (next_seq_ - first_pending_ < capacity_) return;
  if (unreported_.empty()) unreported_.from = first_pending_;
  unreported_.to = first_pending_;
  ++dropped_total_;
  acknowledge(first_pending_);  // it leaves the journal as an acknowledged one does
}

port::Status EventJournal::write_slot(uint64_t seq, std::string_view text) {
  if (text.size() > kMaxEventText) return port::Status::too_large();
  std::memset(slot_, 0, kSlotText);
  put<uint32_t>(slot_, 0, kSlotMagic);
  put<uint64_t>(slot_, kSlotSeq, seq);
  put<uint64_t>(slot_, kSlotFirstPending, first_pending_);
  put<uint64_t>(slot_, kSlotDropped, dropped_total_);
  put<uint64_t>(slot_, kSlotUnreportedFrom, unreported_.from);
  put<uint64_t>(slot_, kSlotUnreportedTo, unreported_.to);
  put<uint32_t>(slot_, kSlotLength, static_cast<uint32_t>(text.size()));
  std::memcpy(slot_ + kSlotText, text.data(), text.size());
  put<uint32_t>(slot_, kSlotCrc, port::crc32(slot_ + kSlotSeq, kSlotText - kSlotSeq + text.size()));
  if (!write_at(fd_, slot_, kSlotText + text.size(), slot_offset(seq))) {
    return failure("cannot write an event", errno);
  }
  return port::Status::ok();
}

port::Result<uint64_t> EventJournal::append(std::string_view body) {
  if (fd_ < 0) return port::Status::unavailable();
  if (body.size() < 2 || body.front() != '{') return port::Status::invalid();
  make_room();
  char text[kMaxEventText];
  port::TextWriter out(text, sizeof text);
  out.add(R"({"seq":)").add_int(static_cast<int64_t>(next_seq_));
  if (body != "{}") out.add(',').add(body.substr(1));
  if (!out.ok()) return port::Status::too_large();
  const port::Status written = write_slot(next_seq_, out.view());
  if (!written.is_ok()) return written;
  return next_seq_++;
}

port::Result<uint64_t> EventJournal::append_drop_notice(std::string_view at) {
  if (fd_ < 0) return port::Status::unavailable();
  make_room();  // a full journal drops one more, which the notice then tells too
  char body[256];
  port::TextWriter out(body, sizeof body);
  out.add(R"({"event":"eventsDropped","from":)")
      .add_int(static_cast<int64_t>(unreported_.from))
      .add(R"(,"to":)")
      .add_int(static_cast<int64_t>(unreported_.to))
      .add(R"(,"count":)")
      .add_int(static_cast<int64_t>(unreported_.count()))
      .add(R"(,"droppedTotal":)")
      .add_int(static_cast<int64_t>(dropped_total_));
  if (!at.empty()) out.add(R"(,"at":")").add(at).add('"');
  out.add('}');
  const DroppedRange told = unreported_;
  unreported_ = DroppedRange{};
  const port::Result<uint64_t> appended = append(out.view());
  if (!appended.is_ok()) unreported_ = told;
  return appended;
}

port::Result<std::string_view> EventJournal::read(uint64_t seq,
                                                  char (&buffer)[kJournalSlotBytes]) const {
  if (fd_ < 0 || seq < first_pending_ || seq >= next_seq_) return port::Status::invalid();
  if (!read_at(fd_, buffer, kJournalSlotBytes, slot_offset(seq))) {
    return failure("cannot read an event", errno);
  }
  if (!whole(seq, buffer)) return port::Status::invalid();
  return std::string_view(buffer + kSlotText, get<uint32_t>(buffer, kSlotLength));
}

void EventJournal::discard(uint64_t seq) {
  if (fd_ < 0 || seq < first_pending_ || seq >= next_seq_) return;
  if (unreported_.empty()) unreported_.from = seq;
  unreported_.to = seq;
  ++dropped_total_;
  acknowledge(seq);
}

void EventJournal::acknowledge(uint64_t seq) {
  if (fd_ < 0 || seq < first_pending_ || seq >= next_seq_) return;
  const uint64_t distance = seq - first_pending_;
  if (distance >= 64) return;  // beyond the window the forwarder keeps: sent again later
  acked_after_first_ |= uint64_t{1} << distance;
  while ((acked_after_first_ & 1U) != 0) {
    acked_after_first_ >>= 1;
    ++first_pending_;
  }
  if (++acks_since_header_ >= kAcksPerHeaderWrite || first_pending_ == next_seq_) write_header();
}

}  // namespace door::agent
