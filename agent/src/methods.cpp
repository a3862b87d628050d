#include "agent/methods.hpp"

namespace door::agent {

bool MethodTable::add(std::string_view name, MethodHandler& handler) {
  if (count_ == kMaxMethods || find(name) != nullptr) return false;
  entries_[count_++] = {name, &handler};
  return true;
}

MethodHandler* MethodTable::find(std::string_view name) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (entries_[i].name == name) return entries_[i].handler;
  }
  return nullptr;
}

}  // namespace door::agent
