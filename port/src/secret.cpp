#include "port/secret.hpp"

#include <mbedtls/platform_util.h>
#include <sys/prctl.h>

#include "port/log.hpp"

namespace door::port {

void wipe(void* data, std::size_t size) {
  mbedtls_platform_zeroize(data, size);
}

void protect_process() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    log_errno(Level::warning, "cannot make the process non-dumpable (prctl PR_SET_DUMPABLE)");
  }
}

}  // namespace door::port
