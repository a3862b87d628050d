// libFuzzer target for desired properties: the input is a full desired document (up to the first
// newline) and a patch (the rest), applied in turn to a twin without state, as the broker's
// retained document and as an IoT Hub desired PATCH. After each change: the version moves only when
// the change is applied; the settings in force are the twin's; the saved state loads back to the
// same version and settings; it keeps only valid keys, no refused value, at most kMaxDesiredKeys
// unknown keys each within the value limit; and the acknowledgements form a JSON object that
// acknowledges every kept key and gives a reason for every refusal.
#include <cjson/cJSON.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/desired_settings.hpp"
#include "agent/twin.hpp"
#include "fuzz_support.hpp"
#include "port/file.hpp"
#include "port/json_object_writer.hpp"
#include "port/text_writer.hpp"
#include "protocol/json_document.hpp"

namespace door::agent {
namespace {

using fuzz::require;
using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

bool same(const DesiredSettings& a, const DesiredSettings& b) {
  return a.building == b.building && a.floor == b.floor &&
         a.default_lock_seconds == b.default_lock_seconds &&
         a.strike_time_seconds == b.strike_time_seconds &&
         a.telemetry_interval_seconds == b.telemetry_interval_seconds &&
         a.fail_mode_set == b.fail_mode_set && a.fail_mode == b.fail_mode &&
         a.log_level_set == b.log_level_set && a.log_level == b.log_level;
}

// The settings the runtime applies: the twin's, taken when its outbox says they changed.
class InForce final {
 public:
  Outbox& outbox() { return outbox_; }
  const DesiredSettings& settings(const Twin& twin) {
    if (outbox_.take_settings_changed()) settings_ = twin.settings();
    return settings_;
  }

 private:
  Outbox outbox_;
  DesiredSettings settings_;
};

// The state file, in a directory of its own for one input (libFuzzer ends without running
// destructors of statics); in memory when /dev/shm is there, as the twin syncs every save.
class StateFile {
 public:
  StateFile() {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                             : tmpdir != nullptr           ? tmpdir
                                                           : "/tmp";
    directory_ = base + "/desired-fuzz-XXXXXX";
    require(mkdtemp(directory_.data()) != nullptr);
    path_ = directory_ + "/desired.json";
  }
  ~StateFile() {
    for (const char* suffix : {"", ".prev", ".tmp"}) unlink((path_ + suffix).c_str());
    rmdir(directory_.c_str());
  }
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string directory_;
  std::string path_;
};

// What the reported document can carry as a member name: the twin's rule for desired keys.
bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxDesiredKeyLength) return false;
  for (char c : key) {
    if (c <= ' ' || c >= 0x7f || c == '.' || c == '$' || c == '"' || c == '\\') return false;
  }
  return true;
}

std::size_t serialized_size(const cJSON* value) {
  char* text = cJSON_PrintUnformatted(value);
  require(text != nullptr);
  const std::size_t size = std::string_view(text).size();
  cJSON_free(text);
  return size;
}

// The saved document: valid keys, no refused value, unknown keys within the limits. Returns it.
JsonPtr check_saved(const StateFile& state, int64_t version) {
  const port::Result<std::string> read = port::read_small_file(state.path(), kMaxDesiredBytes + 64);
  require(read.is_ok());
  const std::string& text = read.value();
  JsonPtr saved(protocol::parse_json_document(text), &cJSON_Delete);
  const port::Result<int64_t> saved_version =
      protocol::exact_integer(cJSON_GetObjectItemCaseSensitive(saved.get(), "$version"));
  require(saved_version.is_ok() && saved_version.value() == version);
  const cJSON* desired = cJSON_GetObjectItemCaseSensitive(saved.get(), "desired");
  require(cJSON_IsObject(desired));
  std::size_t unknown = 0;
  for (const cJSON* item = desired->child; item != nullptr; item = item->next) {
    require(valid_key(item->string) && !reserved_reported_name(item->string));
    require(protocol::find_inexact_number(item) == nullptr);
    DesiredSettings settings;
    char reason_text[160];
    port::TextWriter reason(reason_text, sizeof reason_text);
    const KeyCheck check = check_desired_key(item->string, item, DeviceLimits{}, settings, reason);
    require(check != KeyCheck::refused);
    if (check == KeyCheck::unknown) {
      ++unknown;
      require(serialized_size(item) <= kMaxDesiredValueBytes);
    }
  }
  require(unknown <= kMaxDesiredKeys);
  return JsonPtr(cJSON_DetachItemFromObjectCaseSensitive(saved.get(), "desired"), &cJSON_Delete);
}

// The acknowledgements: a JSON object, a reason with every one, every kept key acknowledged.
void check_acks(Twin& twin, const cJSON* desired) {
  static char buffer[kMaxReportedBytes];
  port::TextWriter out(buffer, sizeof buffer);
  std::string_view names[kMaxDesiredAcks];
  port::JsonObjectWriter report(out, names, std::size(names));
  require(twin.add_acks(report, true).is_ok() && report.close().is_ok());
  // Refuses a member named twice.
  const JsonPtr acks(protocol::parse_json_document(out.view()), &cJSON_Delete);
  require(cJSON_IsObject(acks.get()));
  for (const cJSON* ack = acks->child; ack != nullptr; ack = ack->next) {
    if (cJSON_IsNull(ack)) continue;  // deleted
    const cJSON* code = cJSON_GetObjectItemCaseSensitive(ack, "ac");
    const cJSON* version = cJSON_GetObjectItemCaseSensitive(ack, "av");
    const cJSON* description = cJSON_GetObjectItemCaseSensitive(ack, "ad");
    require(cJSON_IsNumber(code) && (code->valueint == 200 || code->valueint == 400));
    require(cJSON_IsNumber(version) && version->valuedouble <= static_cast<double>(twin.version()));
    require(cJSON_IsString(description) && description->valuestring[0] != '\0');
  }
  for (const cJSON* item = desired == nullptr ? nullptr : desired->child; item != nullptr;
       item = item->next) {
    require(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(acks.get(), item->string)));
  }
}

void apply_and_check(Twin& twin, InForce& in_force, const StateFile& state,
                     std::string_view payload, DesiredSource source, int64_t topic_version) {
  const int64_t version = twin.version();
  const DesiredSettings settings = twin.settings();
  const Twin::Outcome outcome = twin.apply(payload, source, topic_version);
  if (outcome == Twin::Outcome::applied) {
    require(twin.version() > version);
  } else {
    require(twin.version() == version && same(twin.settings(), settings));
  }
  require(same(in_force.settings(twin), twin.settings()));
  JsonPtr desired(nullptr, &cJSON_Delete);
  if (twin.version() > 0) {
    desired = check_saved(state, twin.version());
    InForce reloaded_in_force;
    const auto reloaded =
        std::make_unique<Twin>(state.path(), DeviceLimits{}, reloaded_in_force.outbox());
    reloaded->load();
    require(reloaded->version() == twin.version() && same(reloaded->settings(), twin.settings()));
  }
  check_acks(twin, desired.get());
}

void check_changes(std::string_view input) {
  static const fuzz::QuietLog quiet;
  const std::size_t newline = input.find('\n');
  const std::string_view document = input.substr(0, newline);
  // Empty without a newline, but still a view into the input, as the agent's payloads always are.
  const std::string_view patch =
      input.substr(newline == std::string_view::npos ? input.size() : newline + 1);
  const StateFile state;
  InForce in_force;
  const auto twin = std::make_unique<Twin>(state.path(), DeviceLimits{}, in_force.outbox());
  twin->load();
  apply_and_check(*twin, in_force, state, document, DesiredSource::document, 1);
  apply_and_check(*twin, in_force, state, patch, DesiredSource::patch, 2);
}

}  // namespace
}  // namespace door::agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  door::agent::check_changes(door::fuzz::as_text(data, size));
  return 0;
}
