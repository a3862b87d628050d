#pragma once
// cJSON on a fixed arena: while a JsonArenaScope lives, cJSON on that thread allocates by bumping
// a pointer through a preallocated buffer and frees nothing; the scope's end gives back what it
// took and restores whatever was open before it: an enclosing scope's arena (scopes nest, as when
// settings are applied inside the twin's open scope), or the C heap (for start-up work such as
// loading the config). Each thread has its own scopes, so agents on several threads of one process
// each use their own arena.
#include <cjson/cJSON.h>

#include <cstddef>
#include <string_view>

#include "agent/capacities.hpp"
#include "protocol/json_document.hpp"

namespace door::agent {

// The bump allocator over a buffer its subclass owns (FixedJsonArena).
class JsonArenaBase {
 public:
  JsonArenaBase(const JsonArenaBase&) = delete;
  JsonArenaBase& operator=(const JsonArenaBase&) = delete;
  std::size_t capacity() const { return capacity_; }

 protected:
  JsonArenaBase(unsigned char* buffer, std::size_t capacity)
      : buffer_(buffer), capacity_(capacity) {}
  ~JsonArenaBase() = default;

 private:
  friend class JsonArenaScope;
  static void* allocate(std::size_t size);
  static void release(void* pointer);
  static const bool hooks_installed_;

  unsigned char* buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  bool exhausted_ = false;  // an allocation of the open scope did not fit
};

template <std::size_t Bytes>
class FixedJsonArena final : public JsonArenaBase {
 public:
  FixedJsonArena() : JsonArenaBase(storage_, Bytes) {}

 private:
  alignas(std::max_align_t) unsigned char storage_[Bytes];
};

// The arena of method payloads.
using JsonArena = FixedJsonArena<kJsonArenaBytes>;

class JsonArenaScope {
 public:
  explicit JsonArenaScope(JsonArenaBase& arena);
  ~JsonArenaScope();
  JsonArenaScope(const JsonArenaScope&) = delete;
  JsonArenaScope& operator=(const JsonArenaScope&) = delete;

  // The whole text as one JSON document (protocol::parse_json_document); nullptr for anything
  // else, or JSON too complex for the arena. Valid until the scope ends.
  cJSON* parse(std::string_view text, protocol::JsonRefusal* refusal = nullptr,
               protocol::RepeatedMembers repeated = protocol::RepeatedMembers::refuse);
  // True when something did not fit in the arena since the scope opened (a parse then fails).
  bool exhausted() const { return arena_.exhausted_; }

 private:
  JsonArenaBase& arena_;
  JsonArenaBase* enclosing_;    // the thread's arena before this scope opened, or nullptr
  std::size_t enclosing_used_;  // what an enclosing scope on the same arena had taken
  bool enclosing_exhausted_;
};

}  // namespace door::agent
