#pragma once
// Direct methods: a fixed table from method name to handler. A handler answers at once, or, when
// the answer waits for the hardware, returns kReplyLater and answers through the Replier.
#include <cstddef>
#include <string_view>

#include "port/text_writer.hpp"

namespace door::agent {

using ReplyHandle = int;
constexpr ReplyHandle kNoReplyHandle = -1;
// Returned by a handler that will answer later through Replier::reply.
constexpr int kReplyLater = 0;

struct MethodCall {
  std::string_view payload;
  // Where a later answer goes; kNoReplyHandle when no reply slot is free (then answer now).
  ReplyHandle reply;
};

class MethodHandler {
 public:
  // Writes the JSON response body and returns the status code (DESIGN.md 5.3), or kReplyLater.
  virtual int call(const MethodCall& call, port::TextWriter& response) = 0;

 protected:
  ~MethodHandler() = default;
};

class Replier {
 public:
  virtual void reply(ReplyHandle handle, int status, std::string_view body) = 0;

 protected:
  ~Replier() = default;
};

class MethodTable {
 public:
  static constexpr std::size_t kMaxMethods = 8;

  // name must outlive the table (a string literal). False when full or the name is taken.
  bool add(std::string_view name, MethodHandler& handler);
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
