#pragma once
// The agent's own status fields, shared by both dialects' announcements.
#include "port/status.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

// Appends "\"version\":\"x.y.z\",\"<stamp_name>\":\"<now, UTC>\"" (no braces).
port::Status add_status_fields(port::TextWriter& out, const char* stamp_name);

}  // namespace door::agent
