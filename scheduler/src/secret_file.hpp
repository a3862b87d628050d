#pragma once
// Secrets given as files: the broker password (--password-file) and IoT Hub's service connection
// string (--iothub-file), never on the command line, where every user sees them in the process
// list.
#include <string>

#include "port/secret.hpp"

namespace door::scheduler::cli {

enum class FileAccess {
  any,          // the broker password file: as the operator keeps it
  owner_group,  // nothing for other users: mode 0600, or 0640 with a group of its own
};

// The file's first line (without its line end) into out; false with a one-line reason in error.
bool read_secret_line(const std::string& path, FileAccess access, port::SecretString& out,
                      std::string& error);

}  // namespace door::scheduler::cli
