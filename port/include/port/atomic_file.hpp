#pragma once
// Crash-safe replacement of a small file: the data goes to "<path>.tmp", is fsynced, the current
// file, when there is one, is kept as "<path>.prev" (a hard link), the temporary file is renamed
// over the path and the directory is fsynced. A power cut at any instant leaves the old or the new
// file, never a mix. Files are created with mode 0600. No heap allocation.
#include <string_view>

namespace door::port {

// False with errno set when any step fails; the old file is then untouched.
[[nodiscard]] bool replace_file(const char* path, std::string_view data);

}  // namespace door::port
