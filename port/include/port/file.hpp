#pragma once
#include <cstddef>
#include <string>

namespace door::port {

// Reads a whole file of at most max_bytes. On failure returns false and a one-line reason in error.
// Start-up only: it allocates.
bool read_small_file(const std::string& path, std::size_t max_bytes, std::string& out,
                     std::string& error);

}  // namespace door::port
