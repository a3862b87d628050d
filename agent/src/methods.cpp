#include "agent/methods.hpp"

namespace door::agent {

port::Status MethodTable::add(std::string_view name, MethodHandler& handler) {
  if (find(name) != nullptr) {
    return port::Status::failure(port::Status::Code::invalid, "method %.*s is added twice",
                                 static_cast<int>(name.size()), name.data());
  }
  if (count_ == kMaxMethods) return port::Status::full();
  entries_[count_++] = {name, &handler};
  return port::Status::ok();
}

MethodHandler* MethodTable::find(std::string_view name) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (entries_[i].name == name) return entries_[i].handler;
  }
  return nullptr;
}

}  // namespace door::agent
