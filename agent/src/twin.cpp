#include "agent/twin.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "port/atomic_file.hpp"
#include "port/file.hpp"
#include "port/log.hpp"
#include "protocol/json_document.hpp"
#include "protocol/merge_patch.hpp"

namespace door::agent {

namespace {

using port::Level;
using port::log;

// Keys become JSON member names in reports and topics of nothing: printable ASCII without the
// characters IoT Hub forbids ('.', '$', space) or that would need escaping.
bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxDesiredKeyLength) return false;
  for (char c : key) {
    if (c <= 0x20 || c >= 0x7f || c == '.' || c == '$' || c == '"' || c == '\\') return false;
  }
  return true;
}

int depth(const cJSON* item) {
  int deepest = 0;
  for (const cJSON* child = item->child; child != nullptr; child = child->next) {
    const int d = depth(child);
    if (d > deepest) deepest = d;
  }
  return (cJSON_IsObject(item) || cJSON_IsArray(item)) ? deepest + 1 : 0;
}

// True when the value serializes to at most kMaxDesiredValueBytes. The slack lets values up to
// 4 bytes longer print, so the length is checked too.
bool fits(const cJSON* value) {
  char text[kMaxDesiredValueBytes + 5];  // PrintPreallocated wants 5 bytes of slack
  return cJSON_PrintPreallocated(const_cast<cJSON*>(value), text, sizeof text, false) != 0 &&
         std::strlen(text) <= kMaxDesiredValueBytes;
}

// True when another member of object has item's name.
bool named_twice(const cJSON* object, const cJSON* item) {
  for (const cJSON* other = object->child; other != nullptr; other = other->next) {
    if (other != item && std::strcmp(other->string, item->string) == 0) return true;
  }
  return false;
}

int count_members(const cJSON* object) {
  int n = 0;
  for (const cJSON* c = object->child; c != nullptr; c = c->next) ++n;
  return n;
}

}  // namespace

Twin::Twin(std::string state_path, const DeviceLimits& limits, Outbox& outbox)
    : state_path_(std::move(state_path)), limits_(limits), outbox_(outbox) {}

void Twin::load() {
  if (load_file(state_path_).is_ok()) return;
  if (load_file(state_path_ + ".prev").is_ok()) {
    log(Level::warning, "desired properties: using the last good copy %s.prev",
        state_path_.c_str());
    // Moved aside, so the next save keeps the good copy as .prev instead of the broken file.
    const std::string aside = state_path_ + ".broken";
    if (rename(state_path_.c_str(), aside.c_str()) != 0) {
      char why[96];
      log(Level::error, "desired properties: cannot move %s aside: %s", state_path_.c_str(),
          strerror_r(errno, why, sizeof why));
    }
    return;
  }
  log(Level::notice, "desired properties: none applied yet (version 0)");
  outbox_.post_settings_changed();
}

port::Status Twin::load_file(const std::string& path) {
  const port::Result<std::string> read = port::read_small_file(path, sizeof file_);
  if (!read.is_ok()) {
    if (read.status().error_number() != ENOENT) {
      log(Level::error, "desired properties: %s", read.status().reason());
    }
    return read.status();
  }
  const std::string& text = read.value();
  JsonArenaScope scope(arena_);
  const cJSON* root = scope.parse(text);
  const port::Result<int64_t> held =
      protocol::exact_integer(cJSON_GetObjectItemCaseSensitive(root, "$version"));
  const int64_t version = held.is_ok() ? held.value() : -1;
  const cJSON* desired = cJSON_GetObjectItemCaseSensitive(root, "desired");
  if (!cJSON_IsObject(root) || version < 0 || !cJSON_IsObject(desired) ||
      !cJSON_PrintPreallocated(const_cast<cJSON*>(desired), document_, sizeof document_, false)) {
    log(Level::error, "desired properties: %s is broken (not the JSON this agent writes)",
        path.c_str());
    std::strcpy(document_, "{}");
    return port::Status::invalid();
  }
  version_ = version;
  settings_ = settings_from(desired);
  staged_count_ = 0;
  for (const cJSON* item = desired->child; item != nullptr; item = item->next) {
    stage(item->string, 200, false, "applied");
  }
  commit_acks(version_, desired);
  log(Level::notice, "desired properties: version %lld loaded from %s",
      static_cast<long long>(version_), path.c_str());
  outbox_.post_settings_changed();
  return port::Status::ok();
}

DesiredSettings Twin::settings_from(const cJSON* document) {
  DesiredSettings s;
  char reason_text[160];
  for (const cJSON* item = document->child; item != nullptr; item = item->next) {
    port::TextWriter reason(reason_text, sizeof reason_text);
    check_desired_key(item->string, item, limits_, s, reason);
  }
  return s;
}

Twin::Outcome Twin::apply(std::string_view payload, DesiredSource source, int64_t topic_version) {
  JsonArenaScope scope(arena_);
  // A key named twice is refused on its own (merge_and_save); anything else named twice spoils
  // the whole message.
  const cJSON* root = scope.parse(payload, nullptr, protocol::RepeatedMembers::keep);
  if (root == nullptr && scope.exhausted()) {
    log(Level::error,
        "desired properties: ignored a change of %zu bytes that needs more than %zu KiB to parse",
        payload.size(), kTwinJsonArenaBytes / 1024);
    return Outcome::malformed;
  }
  const cJSON* desired = source == DesiredSource::twin_response
                             ? cJSON_GetObjectItemCaseSensitive(root, "desired")
                             : root;
  if (!cJSON_IsObject(desired) || (source == DesiredSource::twin_response &&
                                   protocol::find_repeated_member(root, false) != nullptr)) {
    log(Level::warning, "desired properties: ignored a message that is not a JSON object");
    return Outcome::malformed;
  }
  int64_t version = topic_version;
  const cJSON* body_version = cJSON_GetObjectItemCaseSensitive(desired, "$version");
  if (body_version != nullptr) {
    const port::Result<int64_t> given = protocol::exact_integer(body_version);
    version = given.is_ok() ? given.value() : -1;
  }
  if (version < 0 || (body_version != nullptr && named_twice(desired, body_version))) {
    log(Level::warning,
        "desired properties: ignored a change without a valid $version (one whole number from 0 "
        "to 2^63-1)");
    return Outcome::malformed;
  }
  if (version <= newest_version()) {
    // Notice, also for the same version: a service that wrote it again with other content (a
    // scheduler that lost the document) sees it here, and desiredVersion in reported.
    log(Level::notice, "desired properties: version %lld ignored (version %lld is %s)",
        static_cast<long long>(version), static_cast<long long>(newest_version()),
        save_pending_ ? "waiting to be saved" : "applied");
    return Outcome::stale;
  }
  return merge_and_save(desired, source != DesiredSource::patch, version);
}

Twin::Outcome Twin::merge_and_save(const cJSON* desired, bool full, int64_t version) {
  // A change waiting to be saved is the base: the new one includes it.
  cJSON* current = protocol::parse_json_document(save_pending_ ? pending_ : document_);
  if (current == nullptr) {  // only when the arena is exhausted
    log(Level::error, "desired properties: version %lld needs more than %zu KiB to merge; ignored",
        static_cast<long long>(version), kTwinJsonArenaBytes / 1024);
    return Outcome::malformed;
  }
  staged_count_ = 0;
  unacknowledged_ = 0;
  DesiredSettings checked = settings_;
  char reason_text[160];

  // A full document deletes what it no longer has.
  if (full) {
    for (cJSON* item = current->child; item != nullptr;) {
      cJSON* next = item->next;
      if (cJSON_GetObjectItemCaseSensitive(desired, item->string) == nullptr) {
        stage(item->string, 200, true, "deleted");
        cJSON_DeleteItemFromObjectCaseSensitive(current, item->string);
      }
      item = next;
    }
  }
  for (const cJSON* item = desired->child; item != nullptr; item = item->next) {
    const std::string_view key(item->string);
    if (key[0] == '$') continue;  // $version, $metadata
    if (!valid_key(key)) {
      log(Level::warning,
          "desired properties: ignored a key that is empty, longer than %zu "
          "bytes, or has characters other than printable ASCII without . $ space",
          kMaxDesiredKeyLength);
      continue;
    }
    if (reserved_reported_name(key)) {
      log(Level::warning,
          "desired properties: key '%s' refused: the device reports it itself, so it cannot be "
          "acknowledged under that name",
          item->string);
      continue;
    }
    if (named_twice(desired, item)) {
      stage(key, 400, false, "refused: named more than once in one change");
      continue;
    }
    if (cJSON_IsNull(item)) {
      cJSON_DeleteItemFromObjectCaseSensitive(current, item->string);
      stage(key, 200, true, "deleted");
      continue;
    }
    if (protocol::find_repeated_member(item) != nullptr) {
      stage(key, 400, false, "refused: its value names a member more than once");
      continue;
    }
    if (protocol::find_inexact_number(item) != nullptr) {
      stage(key, 400, false,
            "refused: a number of more than 15 significant digits, or out of range, would not "
            "be kept as written");
      continue;
    }
    port::TextWriter reason(reason_text, sizeof reason_text);
    KeyCheck check = check_desired_key(key, item, limits_, checked, reason);
    cJSON* existing = cJSON_GetObjectItemCaseSensitive(current, item->string);
    if (check == KeyCheck::unknown) {
      check = KeyCheck::accepted;
      if (existing == nullptr && count_members(current) >= static_cast<int>(kMaxDesiredKeys)) {
        reason.add("refused: the device keeps at most ").add_uint(kMaxDesiredKeys).add(" keys");
        check = KeyCheck::refused;
      } else if (depth(item) > kMaxDesiredDepth || !fits(item)) {
        reason.add("refused: nested deeper than ")
            .add_int(kMaxDesiredDepth)
            .add(" or larger than ")
            .add_uint(kMaxDesiredValueBytes)
            .add(" bytes");
        check = KeyCheck::refused;
      }
    }
    if (check == KeyCheck::refused) {
      stage(key, 400, false, reason.view());
      continue;
    }
    cJSON* detached = cJSON_DetachItemFromObjectCaseSensitive(current, item->string);
    // Merged into a copy, so a refused result leaves the old value as it was.
    cJSON* merged = protocol::merge_patch(cJSON_Duplicate(detached, true), item);
    if (merged == nullptr || !fits(merged)) {
      stage(key, 400, false, "refused: the merged value is too large");
      if (detached != nullptr) cJSON_AddItemToObject(current, item->string, detached);
      continue;
    }
    cJSON_AddItemToObject(current, item->string, merged);
    stage(key, 200, false, "applied");
  }
  if (unacknowledged_ > 0) {
    log(Level::warning,
        "desired properties: %zu keys of version %lld refused without an acknowledgement: at "
        "most %zu fit in the report",
        unacknowledged_, static_cast<long long>(version), kMaxDesiredAcks);
  }

  if (!cJSON_PrintPreallocated(current, scratch_, sizeof scratch_, false)) {
    log(Level::error, "desired properties: version %lld does not fit in %zu bytes; not applied",
        static_cast<long long>(version), sizeof scratch_);
    return Outcome::not_saved;
  }
  if (!save(scratch_, version).is_ok()) {
    std::memcpy(pending_, scratch_, std::strlen(scratch_) + 1);
    pending_version_ = version;
    save_pending_ = true;
    commit_acks(version, current, true);
    return Outcome::save_pending;
  }
  save_pending_ = false;
  for (Ack& a : acks_) a.unsaved = false;  // an earlier change waiting to be saved is in this one
  std::memcpy(document_, scratch_, std::strlen(scratch_) + 1);
  version_ = version;
  settings_ = settings_from(current);
  const std::size_t changed = staged_count_;  // commit_acks empties the staging
  commit_acks(version, current);
  log(Level::notice, "desired properties: version %lld applied (%zu keys changed)",
      static_cast<long long>(version), changed);
  outbox_.post_settings_changed();
  return Outcome::applied;
}

port::Status Twin::save(const char* document, int64_t version) {
  port::TextWriter file(file_, sizeof file_);
  file.add(R"({"$version":)").add_int(version).add(R"(,"desired":)").add(document).add('}');
  // The file has room for any document and its envelope, so only the file system can fail.
  const port::Status saved = file.ok()
                                 ? port::replace_file(state_path_.c_str(), file.view())
                                 : port::Status::system_error(port::Status::Code::too_large, EFBIG,
                                                              "%s", state_path_.c_str());
  if (saved.is_ok()) return saved;
  char why[sizeof save_error_];
  port::TextWriter(save_error_, sizeof save_error_)
      .add_json_escaped(strerror_r(saved.error_number(), why, sizeof why));
  log(Level::error, "desired properties: cannot save %s: %s; version %lld not applied, retrying",
      state_path_.c_str(), save_error_, static_cast<long long>(version));
  return saved;
}

Twin::Outcome Twin::retry_save() {
  if (!save_pending_) return Outcome::stale;
  if (!save(pending_, pending_version_).is_ok()) return Outcome::save_pending;
  save_pending_ = false;
  std::memcpy(document_, pending_, std::strlen(pending_) + 1);
  version_ = pending_version_;
  for (Ack& a : acks_) a.unsaved = false;
  {
    JsonArenaScope scope(arena_);
    settings_ = settings_from(scope.parse(document_));
  }
  log(Level::notice, "desired properties: version %lld saved and applied",
      static_cast<long long>(version_));
  outbox_.post_settings_changed();
  return Outcome::applied;
}

void Twin::stage(std::string_view key, int code, bool deleted, std::string_view description) {
  StagedAck* slot = nullptr;
  // A key named twice in one change is acknowledged once, as it was named last.
  for (std::size_t i = 0; i < staged_count_ && slot == nullptr; ++i) {
    if (staged_[i].key == key) slot = &staged_[i];
  }
  if (slot == nullptr && staged_count_ < kMaxDesiredAcks) slot = &staged_[staged_count_++];
  // Full: a kept key takes the place of a refusal or a deletion. Kept keys are fewer than the
  // slots, so every one of them is acknowledged.
  const bool kept = code == 200 && !deleted;
  for (std::size_t i = 0; i < staged_count_ && slot == nullptr && kept; ++i) {
    if (staged_[i].code != 200 || staged_[i].deleted) {
      slot = &staged_[i];
      ++unacknowledged_;
    }
  }
  if (slot == nullptr) {
    ++unacknowledged_;
    return;
  }
  slot->key = key;
  slot->code = code;
  slot->deleted = deleted;
  port::TextWriter(slot->description, sizeof slot->description).add(description);
}

Twin::Ack* Twin::find_ack(std::string_view key, const cJSON* document) {
  for (Ack& a : acks_) {
    if (a.used && key == a.key) return &a;
  }
  for (Ack& a : acks_) {
    if (!a.used) return &a;
  }
  // Full: drop the oldest deleted key's entry, else one of a key the document does not hold (a
  // refusal). Kept keys are fewer than the entries, so every one of them finds room.
  for (Ack& a : acks_) {
    if (a.deleted) return &a;
  }
  for (Ack& a : acks_) {
    if (cJSON_GetObjectItemCaseSensitive(document, a.key) == nullptr) return &a;
  }
  return nullptr;
}

void Twin::commit_acks(int64_t version, const cJSON* document, bool unsaved) {
  for (std::size_t i = 0; i < staged_count_; ++i) {
    const StagedAck& s = staged_[i];
    Ack* a = find_ack(s.key, document);
    if (a == nullptr) {
      log(Level::warning, "desired properties: no room to acknowledge more keys");
      continue;
    }
    a->used = true;
    a->deleted = s.deleted;
    a->unsaved = unsaved;
    port::TextWriter(a->key, sizeof a->key).add(s.key);
    a->code = s.code;
    a->version = version;
    port::TextWriter(a->description, sizeof a->description).add(s.description);
  }
  staged_count_ = 0;
}

port::Status Twin::add_acks(port::JsonObjectWriter& report, bool include_deleted) {
  JsonArenaScope scope(arena_);
  cJSON* document = scope.parse(document_);
  char value[kMaxDesiredValueBytes + 5];
  port::TextWriter& out = report.text();
  for (const Ack& a : acks_) {
    if (!a.used || (a.deleted && !a.unsaved && !include_deleted)) continue;
    if (!report.member(a.key).is_ok()) {
      log(Level::error, "desired properties: the report already has a member '%s'; not repeated",
          a.key);
      continue;
    }
    if (a.deleted && !a.unsaved) {
      out.add("null");
      continue;
    }
    // The value in force: the applied one, also while a change to it waits to be saved.
    cJSON* current = cJSON_GetObjectItemCaseSensitive(document, a.key);
    if (current == nullptr || !cJSON_PrintPreallocated(current, value, sizeof value, false)) {
      std::strcpy(value, "null");  // refused, and no earlier value to keep
    }
    out.add(R"({"value":)").add(value).add(R"(,"ac":)").add_int(a.unsaved ? 500 : a.code);
    out.add(R"(,"av":)").add_int(a.version).add(R"(,"ad":")");
    if (a.unsaved) {
      out.add("not saved: ").add(save_error_).add("; retrying");
    } else {
      out.add(a.description);
    }
    out.add("\"}");
  }
  return port::Status::from(out.ok(), port::Status::Code::too_large);
}

void Twin::forget_deleted() {
  for (Ack& a : acks_) {
    if (a.deleted && !a.unsaved) a.used = false;
  }
}

}  // namespace door::agent
