#include "agent/json_arena.hpp"

#include "protocol/json_document.hpp"

namespace door::agent {

namespace {
// cJSON's hooks are plain functions, so the arena in use is found through this pointer.
JsonArena* g_active = nullptr;
}  // namespace

void* JsonArena::allocate(std::size_t size) {
  JsonArena* arena = g_active;
  if (arena == nullptr) return nullptr;
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  const std::size_t start = (arena->used_ + kAlign - 1) / kAlign * kAlign;
  if (size > sizeof arena->buffer_ - start) return nullptr;  // cJSON then fails the parse
  arena->used_ = start + size;
  return arena->buffer_ + start;
}

JsonArenaScope::JsonArenaScope(JsonArena& arena) : arena_(arena) {
  arena_.used_ = 0;
  g_active = &arena_;
  cJSON_Hooks hooks{&JsonArena::allocate, &JsonArena::release};
  cJSON_InitHooks(&hooks);
}

JsonArenaScope::~JsonArenaScope() {
  cJSON_InitHooks(nullptr);  // back to malloc and free
  g_active = nullptr;
  arena_.used_ = 0;
}

cJSON* JsonArenaScope::parse(std::string_view text) {
  return protocol::parse_json_document(text);
}

}  // namespace door::agent
