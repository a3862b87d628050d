#pragma once
// A member of the reported properties as its owner last wrote it: the door's state
// ({"lock":…,"door":…}), written by the door methods whenever the lock or the door contact may have
// changed, and the event journal's figures, written by the runtime. The twin engine reads it when
// it builds a report: the state flows one way, to the report, with no call back.
#include <cstddef>
#include <cstring>
#include <string_view>

#include "agent/capacities.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

class ReportSnapshot {
 public:
  // initial: the object reported until the owner writes one ("" for none: the member is left out).
  explicit ReportSnapshot(std::string_view initial) : length_(initial.size()) {
    std::memcpy(json_, initial.data(), initial.size());
  }

  // The JSON object to report ("" for none).
  std::string_view json() const { return {json_, length_}; }

  // Begins a new snapshot; commit() makes it the one read (an object that did not fit keeps the
  // previous one, which a door event of the same state would not have fitted either).
  port::TextWriter writer() { return port::TextWriter(next_, sizeof next_); }
  void commit(const port::TextWriter& written) {
    if (!written.ok()) return;
    std::memcpy(json_, next_, written.size());
    length_ = written.size();
  }

 private:
  char json_[kMaxDoorStateBytes];
  std::size_t length_;
  char next_[kMaxDoorStateBytes];
};

}  // namespace door::agent
