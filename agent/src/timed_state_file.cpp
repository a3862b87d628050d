#include "agent/timed_state_file.hpp"

#include <cerrno>
#include <cstdint>
#include <memory>

#include "hal/lock_actuator.hpp"
#include "port/atomic_file.hpp"
#include "port/file.hpp"
#include "port/log.hpp"
#include "port/text_writer.hpp"
#include "protocol/duration.hpp"
#include "protocol/json_document.hpp"

namespace door::agent {

namespace {

// The file is one short line; anything longer is not what this agent writes.
constexpr std::size_t kMaxFileBytes = 256;
constexpr int64_t kMaxHoldMs = protocol::kMaxDurationSeconds * 1000;

bool whole_number(const cJSON* item, int64_t low, int64_t high, int64_t& out) {
  if (!cJSON_IsNumber(item) || !(item->valuedouble >= static_cast<double>(low)) ||
      !(item->valuedouble <= static_cast<double>(high))) {
    return false;
  }
  out = static_cast<int64_t>(item->valuedouble);
  return static_cast<double>(out) == item->valuedouble;
}

}  // namespace

port::Result<TimedStateFile::Saved> TimedStateFile::load() const {
  const port::Result<std::string> read = port::read_small_file(path_, kMaxFileBytes);
  if (!read.is_ok()) {
    if (read.status().error_number() != ENOENT) {
      port::log(port::Level::error, "timed lock state: %s", read.status().reason());
    }
    return read.status();
  }
  const std::string& text = read.value();
  const std::unique_ptr<cJSON, decltype(&cJSON_Delete)> root(protocol::parse_json_document(text),
                                                             &cJSON_Delete);
  if (cJSON_IsObject(root.get()) && root->child == nullptr) {
    return port::Status::unavailable();  // {}: none
  }
  Saved out;
  const cJSON* lock = cJSON_GetObjectItemCaseSensitive(root.get(), "lock");
  const char* state = cJSON_GetStringValue(lock);
  const bool known =
      state != nullptr && (std::string(state) == "locked" || std::string(state) == "unlocked");
  if (!known ||
      !whole_number(cJSON_GetObjectItemCaseSensitive(root.get(), "untilMs"), 0, INT64_C(1) << 52,
                    out.until_wall_ms) ||
      !whole_number(cJSON_GetObjectItemCaseSensitive(root.get(), "holdMs"), 0, kMaxHoldMs,
                    out.hold_ms)) {
    port::log(port::Level::error,
              "timed lock state: %s is broken (not the JSON this agent writes); ignored",
              path_.c_str());
    return port::Status::invalid();
  }
  out.state = std::string(state) == "locked" ? hal::LockState::locked : hal::LockState::unlocked;
  return out;
}

port::Status TimedStateFile::save(hal::LockState state, int64_t until_wall_ms, int64_t hold_ms) {
  char text[128];
  port::TextWriter doc(text, sizeof text);
  doc.add(R"({"lock":")")
      .add(hal::to_string(state))
      .add(R"(","untilMs":)")
      .add_int(until_wall_ms)
      .add(R"(,"holdMs":)")
      .add_int(hold_ms)
      .add("}\n");
  if (!doc.ok()) {
    return port::Status::system_error(port::Status::Code::too_large, ENOBUFS, "%s", path_.c_str());
  }
  return port::replace_file(path_.c_str(), doc.view());
}

port::Status TimedStateFile::clear() {
  return port::replace_file(path_.c_str(), "{}\n");
}

}  // namespace door::agent
