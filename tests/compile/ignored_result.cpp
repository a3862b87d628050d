// Compiled by scripts/check-ignored-results.sh: as it is, it must compile; with IGNORE_STATUS or
// IGNORE_RESULT defined it ignores a port::Status or a port::Result and must not.
#include "port/status.hpp"

namespace {

door::port::Status store() {
  return door::port::Status::io_error();
}
door::port::Result<int> request() {
  return 3;
}

}  // namespace

int main() {
#if defined(IGNORE_STATUS)
  store();
#elif defined(IGNORE_RESULT)
  request();
#else
  const door::port::Status stored = store();
  const door::port::Result<int> requested = request();
  return stored.is_ok() || !requested.is_ok() ? 1 : 0;
#endif
}
