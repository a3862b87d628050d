#include "agent/json_arena.hpp"

#include <cstdlib>

namespace door::agent {

namespace {

// cJSON's hooks are process-wide plain functions, so each thread's open scope is found here: every
// agent's loop thread has its own arena, and cJSON outside a scope uses the C heap.
thread_local JsonArenaBase* t_active = nullptr;

}  // namespace

// Installed as the program starts, before any thread uses cJSON.
const bool JsonArenaBase::hooks_installed_ = [] {
  cJSON_Hooks hooks{&JsonArenaBase::allocate, &JsonArenaBase::release};
  cJSON_InitHooks(&hooks);
  return true;
}();

void* JsonArenaBase::allocate(std::size_t size) {
  JsonArenaBase* arena = t_active;
  if (arena == nullptr) return std::malloc(size);
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  const std::size_t start = (arena->used_ + kAlign - 1) / kAlign * kAlign;
  if (start > arena->capacity_ || size > arena->capacity_ - start) {
    arena->exhausted_ = true;
    return nullptr;  // cJSON then fails the parse
  }
  arena->used_ = start + size;
  return arena->buffer_ + start;
}

void JsonArenaBase::release(void* pointer) {
  if (t_active == nullptr) std::free(pointer);  // in a scope the arena is reset as a whole
}

JsonArenaScope::JsonArenaScope(JsonArenaBase& arena)
    : arena_(arena),
      enclosing_(t_active),
      enclosing_used_(arena.used_),
      enclosing_exhausted_(arena.exhausted_) {
  // A scope nested in one on the same arena allocates after the enclosing scope's documents,
  // which stay valid; otherwise the arena starts empty.
  if (enclosing_ != &arena_) {
    arena_.used_ = 0;
    enclosing_used_ = 0;
    enclosing_exhausted_ = false;
  }
  arena_.exhausted_ = false;
  t_active = &arena_;
}

JsonArenaScope::~JsonArenaScope() {
  arena_.used_ = enclosing_used_;
  arena_.exhausted_ = enclosing_exhausted_;
  t_active = enclosing_;
}

cJSON* JsonArenaScope::parse(std::string_view text, protocol::JsonRefusal* refusal,
                             protocol::RepeatedMembers repeated) {
  return protocol::parse_json_document(text, refusal, repeated);
}

}  // namespace door::agent
