#include "port/status.hpp"

namespace door::port {

const char* Status::text() const {
  switch (code_) {
    case Code::ok: return "ok";
    case Code::invalid: return "invalid";
    case Code::too_large: return "too large";
    case Code::full: return "full";
    case Code::unavailable: return "unavailable";
    case Code::io_error: return "input/output error";
  }
  return "unknown";
}

}  // namespace door::port
