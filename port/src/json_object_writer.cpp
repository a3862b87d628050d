#include "port/json_object_writer.hpp"

namespace door::port {

JsonObjectWriter::JsonObjectWriter(TextWriter& out, std::string_view* names, std::size_t capacity)
    : out_(out), names_(names), capacity_(capacity) {
  out_.add('{');
}

Status JsonObjectWriter::member(std::string_view name) {
  for (std::size_t i = 0; i < count_; ++i) {
    if (names_[i] == name) return Status::invalid();
  }
  if (count_ == capacity_) return Status::full();
  if (count_ > 0) out_.add(',');
  names_[count_++] = name;
  out_.add('"').add_json_escaped(name).add("\":");
  return Status::ok();
}

Status JsonObjectWriter::close() {
  return Status::from(out_.add('}').ok(), Status::Code::too_large);
}

}  // namespace door::port
