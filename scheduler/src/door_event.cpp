#include "scheduler/door_event.hpp"

#include <cjson/cJSON.h>

#include "protocol/json_document.hpp"
#include "protocol/topics.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/utc_time.hpp"

namespace door::scheduler {

namespace {

// Seqs a JSON number holds exactly (2^53): beyond that, readers disagree on the value.
constexpr int64_t kMaxSeq = int64_t{1} << 53;
constexpr std::size_t kMaxNameLength = 32;

// Event and alarm names: camelCase words.
bool is_name(const cJSON* item) {
  if (!cJSON_IsString(item)) return false;
  const std::string_view name = item->valuestring;
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (const char c : name) {
    const bool letter_or_digit =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!letter_or_digit) return false;
  }
  return true;
}

// An integer member in [1, kMaxSeq]; absent is nullopt with ok true.
bool seq_member(const cJSON* object, const char* name, std::optional<int64_t>& out) {
  const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, name);
  out.reset();
  if (item == nullptr) return true;
  const port::Result<int64_t> value = protocol::exact_integer(item);
  if (!value.is_ok() || value.value() < 1 || value.value() > kMaxSeq) return false;
  out = value.value();
  return true;
}

bool is_events_topic(std::string_view topic, const std::string& device) {
  const std::string prefix = "devices/" + device + "/messages/events";
  return topic.substr(0, prefix.size()) == prefix &&
         (topic.size() == prefix.size() || topic[prefix.size()] == '/');
}

// The members an event must have right; false with the reason.
bool read_members(const cJSON* json, DoorEvent& out, std::string& reason) {
  if (!seq_member(json, "seq", out.seq)) {
    reason = "seq is not an integer from 1 to 2^53";
    return false;
  }
  const cJSON* event = cJSON_GetObjectItemCaseSensitive(json, "event");
  if (!is_name(event)) {
    reason = event == nullptr ? "no event name" : "event is not a name";
    return false;
  }
  out.event = event->valuestring;
  const cJSON* at = cJSON_GetObjectItemCaseSensitive(json, "at");
  if (at != nullptr) {
    const std::string text = cJSON_IsString(at) ? at->valuestring : "";
    const int64_t seconds = parse_iso8601(text);
    if (text.empty() || text.back() != 'Z' || seconds <= 0) {
      reason = "at is not an ISO 8601 UTC time";
      return false;
    }
    out.at = seconds;
  }
  if (out.event == "alarm") {
    const cJSON* alarm = cJSON_GetObjectItemCaseSensitive(json, "alarm");
    const cJSON* active = cJSON_GetObjectItemCaseSensitive(json, "active");
    if (!is_name(alarm) || !cJSON_IsBool(active)) {
      reason = "an alarm event needs alarm (a name) and active (true or false)";
      return false;
    }
    out.alarm = alarm->valuestring;
    out.active = cJSON_IsTrue(active);
  }
  if (out.event == "eventsDropped") {
    if (!seq_member(json, "from", out.dropped_from) || !seq_member(json, "to", out.dropped_to) ||
        !out.dropped_from || !out.dropped_to || *out.dropped_from > *out.dropped_to ||
        (out.seq && *out.dropped_to >= *out.seq)) {
      reason = "eventsDropped needs from and to, seqs with from <= to < its own seq";
      return false;
    }
  }
  return true;
}

}  // namespace

std::string device_of(std::string_view topic) {
  constexpr std::string_view prefix = "devices/";
  if (topic.substr(0, prefix.size()) != prefix) return "";
  const auto slash = topic.find('/', prefix.size());
  return slash == std::string_view::npos
             ? ""
             : std::string(topic.substr(prefix.size(), slash - prefix.size()));
}

bool parse_door_event(const Message& message, int64_t received, DoorEvent& out,
                      std::string& reason) {
  out = DoorEvent();
  out.device_id = device_of(message.topic);
  if (!is_events_topic(message.topic, out.device_id)) {
    reason = "not a devices/{id}/messages/events topic";
    return false;
  }
  if (!protocol::valid_device_id(out.device_id)) {
    reason = "the topic's device id is not one (letters, digits, -._:@, at most 128)";
    return false;
  }
  if (message.retained) {
    reason = "retained, an old copy (events are never retained)";
    return false;
  }
  if (message.payload.size() > kMaxEventPayload) {
    reason = std::to_string(message.payload.size()) + " bytes, over the limit of " +
             std::to_string(kMaxEventPayload);
    return false;
  }
  protocol::JsonRefusal refusal;
  const JsonDocument json(protocol::parse_json_document(message.payload, &refusal));
  if (!json) {
    reason = refusal.repeated_member
                 ? "a member is given twice"
                 : "not one JSON document (at byte " + std::to_string(refusal.offset) + ")";
    return false;
  }
  if (!cJSON_IsObject(json.get())) {
    reason = "not a JSON object";
    return false;
  }
  if (!read_members(json.get(), out, reason)) return false;
  out.received = received;
  out.payload = message.payload;
  return true;
}

}  // namespace door::scheduler
