#pragma once
// Crash-safe replacement of a small file: the data goes to "<path>.tmp", is fsynced, the current
// file, when there is one, is kept as "<path>.prev" (a hard link), the temporary file is renamed
// over the path and the directory is fsynced. A power cut at any instant leaves the old or the new
// file, never a mix. Files are created with mode 0600. No heap allocation.
#include <string_view>

#include "port/status.hpp"

namespace door::port {

// An io_error with the failed step's errno and "<path>: <strerror>" when any step fails; the old
// file is then untouched.
Status replace_file(const char* path, std::string_view data);
// Removes a file (one that is not there counts as removed) and fsyncs its directory, so the
// removal outlives a power cut. Removing needs no free space, so it works on a full file system.
// An io_error with the errno and "<path>: <strerror>" when it cannot.
Status remove_file(const char* path);
// Renames a file over another (a file made whole under a temporary name) and fsyncs the
// directory. An io_error with the errno and "<to>: <strerror>" when it cannot.
Status rename_file(const char* from, const char* to);

}  // namespace door::port
