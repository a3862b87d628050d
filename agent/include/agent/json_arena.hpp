#pragma once
// cJSON on a fixed arena: while a JsonArenaScope lives, cJSON on that thread allocates by bumping
// a pointer through a preallocated buffer and frees nothing; the scope's end resets the arena and
// gives cJSON back the C heap (for start-up work such as loading the config). Each thread has its
// own scope, so agents on several threads of one process each use their own arena.
#include <cjson/cJSON.h>

#include <cstddef>
#include <string_view>

#include "agent/capacities.hpp"
#include "protocol/json_document.hpp"

namespace door::agent {

class JsonArena {
 public:
  JsonArena() = default;
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;

 private:
  friend class JsonArenaScope;
  static void* allocate(std::size_t size);
  static void release(void* pointer);
  static const bool hooks_installed_;

  alignas(std::max_align_t) unsigned char buffer_[kJsonArenaBytes];
  std::size_t used_ = 0;
};

class JsonArenaScope {
 public:
  explicit JsonArenaScope(JsonArena& arena);
  ~JsonArenaScope();
  JsonArenaScope(const JsonArenaScope&) = delete;
  JsonArenaScope& operator=(const JsonArenaScope&) = delete;

  // The whole text as one JSON document (protocol::parse_json_document); nullptr for anything
  // else, or JSON too complex for the arena. Valid until the scope ends.
  cJSON* parse(std::string_view text, protocol::JsonRefusal* refusal = nullptr,
               protocol::RepeatedMembers repeated = protocol::RepeatedMembers::refuse);

 private:
  JsonArena& arena_;
};

}  // namespace door::agent
