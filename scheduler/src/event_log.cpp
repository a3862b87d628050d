#include "scheduler/event_log.hpp"

#include <cjson/cJSON.h>

#include "protocol/json_document.hpp"
#include "scheduler/fleet.hpp"
#include "sqlite_statement.hpp"

namespace door::scheduler {

namespace {

using sql::bind;
using sql::column_text;
using sql::prepare;
using sql::Statement;

constexpr const char* kEventColumns =
    "device_id, epoch, seq, received, at, event, alarm, active, dropped_from, dropped_to, payload";

// "The same content": the same JSON, whatever the spacing or the order of members.
bool same_content(const std::string& a, const std::string& b) {
  const JsonDocument first(protocol::parse_json_document(a));
  const JsonDocument second(protocol::parse_json_document(b));
  return first && second && cJSON_Compare(first.get(), second.get(), 1);
}

void bind_optional(sqlite3_stmt* s, int index, const std::optional<int64_t>& value) {
  if (value) {
    sqlite3_bind_int64(s, index, *value);
  } else {
    sqlite3_bind_null(s, index);
  }
}

std::optional<int64_t> column_optional(sqlite3_stmt* s, int index) {
  if (sqlite3_column_type(s, index) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, index);
}

StoredEvent read_event(sqlite3_stmt* s) {
  StoredEvent e;
  e.device_id = column_text(s, 0);
  e.epoch = sqlite3_column_int64(s, 1);
  e.seq = column_optional(s, 2);
  e.received = sqlite3_column_int64(s, 3);
  e.at = column_optional(s, 4);
  e.event = column_text(s, 5);
  e.alarm = column_text(s, 6);
  if (const auto active = column_optional(s, 7)) e.active = *active != 0;
  e.dropped_from = column_optional(s, 8);
  e.dropped_to = column_optional(s, 9);
  e.payload = column_text(s, 10);
  return e;
}

}  // namespace

bool EventLog::place(const DoorEvent& event, int64_t& epoch, bool& duplicate) {
  duplicate = false;
  // The device's current epoch, its highest seq, and what it holds at this seq.
  Statement s =
      prepare(store_.db_,
              "SELECT e.epoch, (SELECT max(seq) FROM door_events WHERE device_id = ?1 AND "
              "epoch = e.epoch), (SELECT payload FROM door_events WHERE device_id = ?1 "
              "AND epoch = e.epoch AND seq = ?2) FROM (SELECT max(epoch) AS epoch FROM "
              "door_events WHERE device_id = ?1) AS e");
  if (!s) return store_.failed("store door events");
  bind(s.get(), 1, event.device_id);
  sqlite3_bind_int64(s.get(), 2, *event.seq);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return store_.failed("store door events");
  const int64_t current = sqlite3_column_int64(s.get(), 0);  // 0: no sequenced event yet
  const int64_t highest = sqlite3_column_int64(s.get(), 1);
  const bool held = sqlite3_column_type(s.get(), 2) != SQLITE_NULL;
  if (held && same_content(column_text(s.get(), 2), event.payload)) {
    duplicate = true;
  } else if (current == 0) {
    epoch = 1;
  } else {
    epoch = *event.seq <= highest ? current + 1 : current;
  }
  return true;
}

bool EventLog::add(const std::vector<DoorEvent>& events, int& stored) {
  stored = 0;
  JobStore::Batch batch(store_, "store door events");
  if (!batch.open()) return false;
  Statement insert = prepare(store_.db_, std::string("INSERT OR IGNORE INTO door_events (") +
                                             kEventColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  if (!insert) return store_.failed("store door events");
  int added = 0;
  for (const DoorEvent& e : events) {
    int64_t epoch = 0;
    bool duplicate = false;
    if (e.seq && !place(e, epoch, duplicate)) return false;
    if (duplicate) continue;
    sqlite3_stmt* s = insert.get();
    sqlite3_reset(s);
    bind(s, 1, e.device_id);
    sqlite3_bind_int64(s, 2, epoch);
    bind_optional(s, 3, e.seq);
    sqlite3_bind_int64(s, 4, e.received);
    bind_optional(s, 5, e.at);
    bind(s, 6, e.event);
    if (e.alarm.empty()) {
      sqlite3_bind_null(s, 7);
    } else {
      bind(s, 7, e.alarm);
    }
    bind_optional(s, 8, e.active ? std::optional<int64_t>(*e.active ? 1 : 0) : std::nullopt);
    bind_optional(s, 9, e.dropped_from);
    bind_optional(s, 10, e.dropped_to);
    bind(s, 11, e.payload);
    if (sqlite3_step(s) != SQLITE_DONE) return store_.failed("store door events");
    added += sqlite3_changes(store_.db_);
  }
  if (!batch.commit()) return false;
  stored = added;
  return true;
}

bool EventLog::read(const std::string& device_id,
                    const std::function<bool(const std::vector<StoredEvent>&)>& visit) {
  Statement s = prepare(store_.db_, std::string("SELECT ") + kEventColumns + " FROM door_events " +
                                        (device_id.empty() ? "" : "WHERE device_id = ?1 ") +
                                        "ORDER BY device_id, epoch, seq, coalesce(at, received), "
                                        "rowid");
  if (!s) return store_.failed("read the door events");
  if (!device_id.empty()) bind(s.get(), 1, device_id);
  std::vector<StoredEvent> device;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    StoredEvent e = read_event(s.get());
    if (!device.empty() && device.front().device_id != e.device_id) {
      if (!visit(device)) return true;
      device.clear();
    }
    device.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return store_.failed("read the door events");
  if (!device.empty()) visit(device);
  return true;
}

bool EventLog::hold_recorder(int64_t now, Recorder& out) {
  out = Recorder();
  JobStore::Batch batch(store_, "hold the event recorder's lease");
  if (!batch.open()) return false;
  Statement claim = prepare(store_.db_,
                            "UPDATE event_recorder SET owner = ?1, lease_expiry = ?2 WHERE "
                            "owner = ?1 OR lease_expiry <= ?3");
  Statement look = prepare(store_.db_, "SELECT client_id, owner FROM event_recorder");
  if (!claim || !look) return store_.failed("hold the event recorder's lease");
  bind(claim.get(), 1, store_.owner());
  sqlite3_bind_int64(claim.get(), 2, now + JobStore::kLeaseSeconds);
  sqlite3_bind_int64(claim.get(), 3, now);
  if (sqlite3_step(claim.get()) != SQLITE_DONE || sqlite3_step(look.get()) != SQLITE_ROW) {
    return store_.failed("hold the event recorder's lease");
  }
  out.client_id = column_text(look.get(), 0);
  out.owner = column_text(look.get(), 1);
  out.held = out.owner == store_.owner();
  if (batch.commit()) return true;
  out.held = false;
  return false;
}

bool EventLog::release_recorder() {
  Statement s = prepare(store_.db_, "UPDATE event_recorder SET lease_expiry = 0 WHERE owner = ?1");
  if (!s) return store_.failed("release the event recorder's lease");
  bind(s.get(), 1, store_.owner());
  return sqlite3_step(s.get()) == SQLITE_DONE ||
         store_.failed("release the event recorder's lease");
}

}  // namespace door::scheduler
