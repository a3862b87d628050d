#pragma once
// The runtime's end of the outbox: encodes each output of the door core with the dialect and
// publishes it (method answers first; door events go to the event forwarder, which journals them;
// then the twin engine's GET and report, telling the twin engine whether they went out), and tells
// the twin engine a report is due.
#include <cstddef>

#include "agent/capacities.hpp"
#include "agent/dialect.hpp"
#include "agent/door_core.hpp"
#include "agent/event_forwarder.hpp"
#include "agent/publisher.hpp"

namespace door::agent {

class OutputPublisher {
 public:
  OutputPublisher(const Dialect& dialect, Publisher& publisher, EventForwarder& events)
      : dialect_(dialect), publisher_(publisher), events_(events) {}

  // Empties the core's outbox. True when the desired settings in force changed: the caller then
  // applies core.twin().settings().
  [[nodiscard]] bool drain(DoorCore& core);

 private:
  void publish_answer(const Output& answer);
  // The event journal's figures changed: the report shows them.
  void report_events(DoorCore& core);

  const Dialect& dialect_;
  Publisher& publisher_;
  EventForwarder& events_;
  char topic_[kMaxTopicLength + 1];
  std::size_t unsent_answers_ = 0;
};

}  // namespace door::agent
