#include "status_document.hpp"

#include "port/clock.hpp"

namespace door::agent {

bool add_status_fields(port::TextWriter& out, const char* stamp_name) {
  char stamp[32];
  if (!port::format_utc(port::wall_seconds(), stamp, sizeof stamp)) return false;
  out.add("\"version\":\"" DOOR_AGENT_VERSION "\",\"")
      .add(stamp_name)
      .add("\":\"")
      .add(stamp)
      .add('"');
  return out.ok();
}

}  // namespace door::agent
