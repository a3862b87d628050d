#pragma once
// The door's state as the reported properties show it ({"lock":…,"door":…}), written by the door
// methods whenever the lock or the door contact may have changed and read by the twin engine when
// it builds a report: the state flows one way, from the door to the report, with no call back.
#include <cstddef>
#include <cstring>
#include <string_view>

#include "agent/capacities.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

class DoorSnapshot {
 public:
  // The JSON object to report as "door".
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
  char json_[kMaxDoorStateBytes] = R"({"lock":"unavailable"})";
  std::size_t length_ = sizeof R"({"lock":"unavailable"})" - 1;
  char next_[kMaxDoorStateBytes];
};

}  // namespace door::agent
