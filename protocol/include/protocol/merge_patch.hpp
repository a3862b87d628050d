#pragma once
// JSON merge patch (RFC 7386), shared by the agent (applying desired changes) and the scheduler
// (read-modify-write of the retained desired document).
#include <cjson/cJSON.h>

namespace door::protocol {

// Merges patch into target and returns the result: target itself when both are objects (members
// set to null are deleted, objects merge recursively), otherwise a copy of patch. target may be
// null. Allocates through cJSON's hooks; null when an allocation fails.
cJSON* merge_patch(cJSON* target, const cJSON* patch);

}  // namespace door::protocol
