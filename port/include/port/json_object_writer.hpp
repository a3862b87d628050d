#pragma once
// Writes one JSON object member by member and refuses a name it has already written: a document
// that names a member twice is read differently by different readers (IoT Hub queries, cJSON's
// lookups, the scheduler). The names are remembered as views, so what they point to must outlive
// the writer. No heap allocation.
#include <cstddef>
#include <string_view>

#include "port/status.hpp"
#include "port/text_writer.hpp"

namespace door::port {

class JsonObjectWriter {
 public:
  // Writes the opening brace; names has room for capacity member names.
  JsonObjectWriter(TextWriter& out, std::string_view* names, std::size_t capacity);

  // Writes the separator and "name": for a value to follow on text(). Nothing is written when the
  // name was written already (invalid) or there is no room to remember it (full).
  Status member(std::string_view name);
  TextWriter& text() { return out_; }
  // Writes the closing brace; too_large unless everything fitted.
  Status close();

 private:
  TextWriter& out_;
  std::string_view* names_;
  std::size_t capacity_;
  std::size_t count_ = 0;
};

}  // namespace door::port
