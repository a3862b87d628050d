#pragma once
// Direct methods: a fixed table from method name to handler.
#include <cstddef>
#include <string_view>

#include "port/text_writer.hpp"

namespace door::agent {

class MethodHandler {
 public:
  // Writes the JSON response body and returns the status code (DESIGN.md 5.3).
  virtual int call(std::string_view payload, port::TextWriter& response) = 0;

 protected:
  ~MethodHandler() = default;
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
