#pragma once
// The runtime's end of the outbox: encodes each output of the door core with the dialect and
// publishes it (method answers first, then door events, then the twin engine's GET and report, and
// tells the twin engine whether they went out), and tells the twin engine a report is due.
#include <cstddef>

#include "agent/capacities.hpp"
#include "agent/dialect.hpp"
#include "agent/door_core.hpp"
#include "agent/publisher.hpp"

namespace door::agent {

class OutputPublisher {
 public:
  OutputPublisher(const Dialect& dialect, Publisher& publisher)
      : dialect_(dialect), publisher_(publisher) {}

  // Empties the core's outbox; door events are published only while connected (offline, the
  // reported door state after the next connect carries them). True when the desired settings in
  // force changed: the caller then applies core.twin().settings().
  [[nodiscard]] bool drain(DoorCore& core, bool connected);

 private:
  void publish_answer(const Output& answer);
  void publish_event(const Output& event);

  const Dialect& dialect_;
  Publisher& publisher_;
  char topic_[kMaxTopicLength + 1];
  std::size_t unsent_answers_ = 0;
};

}  // namespace door::agent
