#pragma once
// The device's side of the twin: the applied desired properties with their $version, the Plug and
// Play acknowledgement of every key, and their persistence in the state file. Desired changes
// arrive as a merge patch (RFC 7386, null deletes: IoT Hub's desired PATCH), as a full document
// (the broker's retained desired document) or inside IoT Hub's twin GET answer. A change whose
// version is not newer than the applied one is ignored. Nothing here allocates after construction:
// cJSON runs on the twin's own arena and every buffer is fixed.
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/desired_settings.hpp"
#include "agent/json_arena.hpp"
#include "agent/outbox.hpp"
#include "port/json_object_writer.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

enum class DesiredSource { patch, document, twin_response };

class Twin {
 public:
  // not_saved: the change cannot be kept (too large) and is dropped. save_pending: the state file
  // could not be written; the keys of that version are acknowledged with 500 and retry_save()
  // must be called until it succeeds.
  enum class [[nodiscard]] Outcome{applied, stale, malformed, not_saved, save_pending};

  // The outbox is told when the settings in force change (at start, or after an applied change):
  // the runtime then applies settings().
  Twin(std::string state_path, const DeviceLimits& limits, Outbox& outbox);

  // At start: the state file, or its last good copy when the file is broken, or nothing.
  void load();
  // topic_version: the $version from the topic, or -1; a "$version" in the body wins.
  Outcome apply(std::string_view payload, DesiredSource source, int64_t topic_version);

  // Writes the change whose save failed; applied once it is saved (then report again).
  Outcome retry_save();
  bool save_pending() const { return save_pending_; }

  int64_t version() const { return version_; }
  // The newest version accepted: applied, or waiting to be saved.
  int64_t newest_version() const { return save_pending_ ? pending_version_ : version_; }
  const DesiredSettings& settings() const { return settings_; }
  // Writes the acknowledgement of every key as a member of the report; a name the report has
  // already is logged and left out. With include_deleted, keys deleted since the last
  // forget_deleted() appear as null, which removes them from an IoT Hub twin.
  port::Status add_acks(port::JsonObjectWriter& report, bool include_deleted);
  void forget_deleted();

 private:
  struct Ack {
    bool used = false;
    bool deleted = false;
    bool unsaved = false;  // its version is waiting to be saved: acknowledged with 500
    char key[kMaxDesiredKeyLength + 1];
    int code = 0;
    int64_t version = 0;
    char description[kMaxAckDescriptionLength + 1];
  };
  struct StagedAck {
    std::string_view key;
    int code;
    bool deleted;
    char description[kMaxAckDescriptionLength + 1];
  };

  port::Status load_file(const std::string& path);
  Outcome merge_and_save(const cJSON* desired, bool full, int64_t version);
  // Writes document (the desired properties) with version to the state file.
  port::Status save(const char* document, int64_t version);
  // Without a free slot the acknowledgement is counted as unacknowledged (and logged) instead.
  void stage(std::string_view key, int code, bool deleted, std::string_view description);
  // document: the desired properties now applied.
  void commit_acks(int64_t version, const cJSON* document, bool unsaved = false);
  Ack* find_ack(std::string_view key, const cJSON* document);
  DesiredSettings settings_from(const cJSON* document);

  std::string state_path_;
  DeviceLimits limits_;
  Outbox& outbox_;
  FixedJsonArena<kTwinJsonArenaBytes> arena_;
  int64_t version_ = 0;
  DesiredSettings settings_;
  char document_[kMaxDesiredBytes] = "{}";
  char scratch_[kMaxDesiredBytes];
  char file_[kMaxDesiredBytes + 64];
  // A change whose save failed: its document and version, and why (for the acknowledgements).
  bool save_pending_ = false;
  int64_t pending_version_ = 0;
  char pending_[kMaxDesiredBytes];
  char save_error_[96] = "";
  Ack acks_[kMaxDesiredAcks];
  StagedAck staged_[kMaxDesiredAcks];
  std::size_t staged_count_ = 0;
  std::size_t unacknowledged_ = 0;  // keys of the change with no room for an acknowledgement
};

}  // namespace door::agent
