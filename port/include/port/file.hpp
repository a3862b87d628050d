#pragma once
#include <cstddef>
#include <string>

#include "port/status.hpp"

namespace door::port {

// Reads a whole regular file of at most max_bytes; anything else (a FIFO, a device, a directory) is
// refused without blocking. The file's text, or a failure whose reason names the path.
// Start-up only: it allocates.
Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes);

}  // namespace door::port
