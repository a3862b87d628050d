#include "status_document.hpp"

#include "port/clock.hpp"

namespace door::agent {

port::Status add_status_fields(port::TextWriter& out, const char* stamp_name) {
  char stamp[32];
  const port::Status formatted = port::format_utc(port::wall_seconds(), stamp, sizeof stamp);
  if (!formatted.is_ok()) return formatted;
  out.add("\"version\":\"" DOOR_AGENT_VERSION "\",\"")
      .add(stamp_name)
      .add("\":\"")
      .add(stamp)
      .add('"');
  return port::Status::from(out.ok(), port::Status::Code::too_large);
}

}  // namespace door::agent
