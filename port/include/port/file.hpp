#pragma once
#include <cstddef>
#include <string>

namespace door::port {

// Reads a whole regular file of at most max_bytes; anything else (a FIFO, a device, a directory) is
// refused without blocking. On failure returns false and a one-line reason in error.
// Start-up only: it allocates.
bool read_small_file(const std::string& path, std::size_t max_bytes, std::string& out,
                     std::string& error);

}  // namespace door::port
