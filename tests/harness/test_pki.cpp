#include "test_pki.hpp"

#include <sys/wait.h>

#include <stdexcept>

#include "process.hpp"
#include "temp_dir.hpp"

namespace door::test {

const TestPki& TestPki::shared() {
  static TempDir dir;
  static const TestPki pki = [] {
    std::vector<std::string> argv = {DOOR_SOURCE_DIR "/tests/harness/make-pki.sh", dir.path()};
    for (const char* id : kDevices) argv.emplace_back(id);
    Process make(argv);
    const auto status = make.wait_exit(60s);
    if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      throw std::runtime_error("make-pki.sh failed:\n" + make.output());
    }
    return TestPki(dir.path());
  }();
  return pki;
}

}  // namespace door::test
