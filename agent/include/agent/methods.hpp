#pragma once
// Direct methods: a fixed table from method name to handler. A handler answers at once, or, when
// the answer waits for the hardware, returns kReplyLater, keeps the call's rid and method, and
// posts the answer to the outbox itself when the hardware has answered.
#include <cstddef>
#include <string_view>

#include "port/status.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

// Returned by a handler that will post its answer to the outbox later.
constexpr int kReplyLater = 0;

struct MethodCall {
  std::string_view payload;
  // Validated by the topic parser; valid only during the call (a deferring handler copies them).
  std::string_view rid;
  std::string_view method;
};

class MethodHandler {
 public:
  // Writes the JSON response body and returns the status code (DESIGN.md 5.3), or kReplyLater.
  virtual int call(const MethodCall& call, port::TextWriter& response) = 0;

 protected:
  ~MethodHandler() = default;
};

class MethodTable {
 public:
  static constexpr std::size_t kMaxMethods = 8;

  // name must outlive the table (a string literal). False when full or the name is taken.
  port::Status add(std::string_view name, MethodHandler& handler);
  MethodHandler* find(std::string_view name) const;

 private:
  struct Entry {
    std::string_view name;
    MethodHandler* handler;
  };
  Entry entries_[kMaxMethods] = {};
  std::size_t count_ = 0;
};

}  // namespace door::agent
