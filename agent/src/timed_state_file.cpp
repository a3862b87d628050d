#include "agent/timed_state_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
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

constexpr int64_t kMaxHoldMs = protocol::kMaxDurationSeconds * 1000;
constexpr int64_t kMaxMs = INT64_C(1) << 52;  // what a JSON number holds exactly

bool whole_number(const cJSON* item, int64_t low, int64_t high, int64_t& out) {
  if (!cJSON_IsNumber(item) || !(item->valuedouble >= static_cast<double>(low)) ||
      !(item->valuedouble <= static_cast<double>(high))) {
    return false;
  }
  out = static_cast<int64_t>(item->valuedouble);
  return static_cast<double>(out) == item->valuedouble;
}

}  // namespace

bool TimedStateFile::voided(std::string_view text) const {
  if (void_marker_path_.empty()) return false;
  const port::Result<std::string> marker =
      port::read_small_file(void_marker_path_, kMaxRecordBytes);
  return marker.is_ok() && marker.value() == text;
}

void TimedStateFile::remember(std::string_view text) {
  text_length_ = text.size() < sizeof text_ ? text.size() : 0;
  std::memcpy(text_, text.data(), text_length_);
}

port::Result<TimedStateFile::Saved> TimedStateFile::load() {
  const port::Result<std::string> read = port::read_small_file(path_, kMaxRecordBytes);
  if (!read.is_ok()) {
    if (read.status().error_number() != ENOENT) {
      port::log(port::Level::error, "timed lock state: %s", read.status().reason());
    }
    return read.status();
  }
  const std::string& text = read.value();
  remember(text);
  if (voided(text)) {
    port::log(port::Level::notice,
              "timed lock state: %s was ended by a later command that could not remove it (%s)",
              path_.c_str(), void_marker_path_.c_str());
    return port::Status::unavailable();
  }
  const std::unique_ptr<cJSON, decltype(&cJSON_Delete)> root(protocol::parse_json_document(text),
                                                             &cJSON_Delete);
  if (cJSON_IsObject(root.get()) && root->child == nullptr) {
    return port::Status::unavailable();  // {}: none (as older versions cleared it)
  }
  Saved out;
  const cJSON* lock = cJSON_GetObjectItemCaseSensitive(root.get(), "lock");
  const char* state = cJSON_GetStringValue(lock);
  const bool known =
      state != nullptr && (std::string(state) == "locked" || std::string(state) == "unlocked");
  const cJSON* boot = cJSON_GetObjectItemCaseSensitive(root.get(), "bootId");
  const cJSON* monotonic = cJSON_GetObjectItemCaseSensitive(root.get(), "untilMonotonicMs");
  hal::TimedRecord& record = out.record;
  const bool well_formed =
      known &&
      whole_number(cJSON_GetObjectItemCaseSensitive(root.get(), "untilMs"), 0, kMaxMs,
                   record.until_wall_ms) &&
      whole_number(cJSON_GetObjectItemCaseSensitive(root.get(), "holdMs"), 0, kMaxHoldMs,
                   record.hold_ms) &&
      (boot == nullptr || cJSON_IsString(boot)) &&
      (monotonic == nullptr || whole_number(monotonic, 0, kMaxMs, record.until_monotonic_ms));
  if (!well_formed) {
    port::log(port::Level::error,
              "timed lock state: %s is broken (not the JSON this agent writes); ignored",
              path_.c_str());
    return port::Status::invalid();
  }
  record.state = std::string(state) == "locked" ? hal::LockState::locked : hal::LockState::unlocked;
  // A record without a boot id or a monotonic deadline is from another boot as far as it can tell.
  out.same_boot = boot != nullptr && monotonic != nullptr && boot_.text[0] != '\0' &&
                  std::strcmp(boot->valuestring, boot_.text) == 0;
  return out;
}

port::Status TimedStateFile::save(const hal::TimedRecord& record) {
  char text[kMaxRecordBytes];
  port::TextWriter doc(text, sizeof text);
  doc.add(R"({"lock":")")
      .add(hal::to_string(record.state))
      .add(R"(","untilMs":)")
      .add_int(record.until_wall_ms)
      .add(R"(,"holdMs":)")
      .add_int(record.hold_ms)
      .add(R"(,"bootId":")")
      .add(boot_.text)
      .add(R"(","untilMonotonicMs":)")
      .add_int(record.until_monotonic_ms)
      .add("}\n");
  if (!doc.ok()) {
    return port::Status::system_error(port::Status::Code::too_large, ENOBUFS, "%s", path_.c_str());
  }
  const port::Status written = port::replace_file(path_.c_str(), doc.view());
  if (!written.is_ok()) return written;
  remember(doc.view());
  // The new record supersedes whatever a marker voided.
  if (!void_marker_path_.empty()) unlink(void_marker_path_.c_str());
  return written;
}

port::Status TimedStateFile::clear() {
  const port::Status removed = port::remove_file(path_.c_str());
  if (removed.is_ok()) {
    if (!void_marker_path_.empty()) unlink(void_marker_path_.c_str());
    text_length_ = 0;
    return removed;
  }
  if (void_marker_path_.empty() || text_length_ == 0) return removed;
  const port::Status marked =
      port::replace_file(void_marker_path_.c_str(), std::string_view(text_, text_length_));
  if (!marked.is_ok()) {
    port::log(port::Level::error, "timed lock state: cannot void %s either: %s", path_.c_str(),
              marked.reason());
  }
  return removed;
}

}  // namespace door::agent
