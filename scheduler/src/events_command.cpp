// door-scheduler events: the door events in the store (the audit log), device by device in seq
// order, with the seqs missing where they are missing.
#include <cstdio>

#include "cli.hpp"
#include "job_output.hpp"
#include "protocol/json_document.hpp"
#include "scheduler/event_gaps.hpp"
#include "scheduler/event_log.hpp"
#include "scheduler/fleet.hpp"

namespace door::scheduler::cli {

namespace {

struct EventsOptions {
  std::string device;  // empty: every device
  int64_t since = 0;   // events that happened at or after, Unix seconds
  bool alarms = false;
  bool json = false;

  bool shows(const StoredEvent& e) const {
    return e.time() >= since && (!alarms || e.event == "alarm");
  }
};

int parse_options(Context& ctx, EventsOptions& out) {
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    if (a == "--alarms") {
      out.alarms = true;
    } else if (a == "--json") {
      out.json = true;
    } else if (a == "--device") {
      if (!option_value(ctx, a, out.device)) return kUsage;
    } else if (a == "--since") {
      std::string v;
      if (!option_value(ctx, a, v) || !parse_past(a, v, out.since)) return kUsage;
    } else {
      return usage_error("unknown option " + a + " for events");
    }
  }
  return kOk;
}

std::string seq_range(int64_t from, int64_t to) {
  return from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
}

const char* gap_reason(const SeqGap& gap) {
  return gap.dropped ? "dropped by the device's full journal" : "not received";
}

// What the event says beyond its name: the alarm, the dropped seqs, the lock and door state.
std::string details(const StoredEvent& e) {
  std::string text;
  const auto add = [&text](const std::string& part) { text += (text.empty() ? "" : " ") + part; };
  if (e.active) add(e.alarm + (*e.active ? " raised" : " cleared"));
  if (e.dropped_from && e.dropped_to) {
    add("seq " + seq_range(*e.dropped_from, *e.dropped_to) + " dropped");
  }
  const JsonDocument payload(protocol::parse_json_document(e.payload));
  for (const char* member : {"lock", "door", "fault"}) {
    const cJSON* value = cJSON_GetObjectItemCaseSensitive(payload.get(), member);
    if (cJSON_IsString(value)) add(std::string(member) + "=" + value->valuestring);
  }
  if (!e.at) add("(no device time: time received)");
  return printable(text);
}

cJSON* event_json(const StoredEvent& e) {
  cJSON* j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "deviceId", e.device_id.c_str());
  cJSON_AddNumberToObject(j, "epoch", static_cast<double>(e.epoch));
  cJSON_AddItemToObject(
      j, "seq", e.seq ? cJSON_CreateNumber(static_cast<double>(*e.seq)) : cJSON_CreateNull());
  cJSON_AddStringToObject(j, "event", e.event.c_str());
  cJSON_AddItemToObject(j, "at",
                        e.at ? cJSON_CreateString(iso_utc(*e.at).c_str()) : cJSON_CreateNull());
  cJSON_AddStringToObject(j, "received", iso_utc(e.received).c_str());
  if (e.active) {
    cJSON_AddStringToObject(j, "alarm", e.alarm.c_str());
    cJSON_AddBoolToObject(j, "active", *e.active);
  }
  cJSON_AddItemToObject(j, "payload", json_or_string(e.payload));
  return j;
}

cJSON* gap_json(const std::string& device, const SeqGap& gap) {
  cJSON* j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "deviceId", device.c_str());
  cJSON_AddNumberToObject(j, "epoch", static_cast<double>(gap.epoch));
  cJSON_AddNumberToObject(j, "from", static_cast<double>(gap.from));
  cJSON_AddNumberToObject(j, "to", static_cast<double>(gap.to));
  cJSON_AddNumberToObject(j, "count", static_cast<double>(gap.to - gap.from + 1));
  cJSON_AddStringToObject(j, "reason", gap.dropped ? "dropped" : "notReceived");
  return j;
}

// Writes the listing, as text lines or into the JSON arrays.
class Listing {
 public:
  Listing(const Context& ctx, const EventsOptions& options) : ctx_(ctx), options_(options) {
    if (options_.json) {
      json_ = cJSON_CreateObject();
      events_ = cJSON_AddArrayToObject(json_, "events");
      gaps_ = cJSON_AddArrayToObject(json_, "gaps");
    }
  }
  ~Listing() { cJSON_Delete(json_); }
  Listing(const Listing&) = delete;
  Listing& operator=(const Listing&) = delete;

  // One device's events, with each gap before the event that follows it and a line where the
  // device's seq began again; a gap or a new epoch is listed when what follows it is not older
  // than --since, also under --alarms (an alarm may be among the missing).
  void device(const std::vector<StoredEvent>& events) {
    const std::vector<SeqGap> gaps = missing_seqs(events);
    auto gap = gaps.begin();
    for (std::size_t i = 0; i < events.size(); ++i) {
      const StoredEvent& e = events[i];
      for (; gap != gaps.end() && gap->epoch == e.epoch && e.seq && gap->to < *e.seq; ++gap) {
        if (gap->next_time >= options_.since) add_gap(e.device_id, *gap);
      }
      const bool new_epoch = i > 0 && e.epoch > 1 && events[i - 1].epoch != e.epoch;
      if (new_epoch && e.time() >= options_.since && !options_.json) {
        line(printable(e.device_id) + ": seq began again at " + std::to_string(*e.seq) +
             " (epoch " + std::to_string(e.epoch) + ": the device lost its journal)");
      }
      if (options_.shows(e)) add_event(e);
    }
  }

  void print() {
    if (options_.json) {
      print_json(json_);
      json_ = nullptr;
    } else if (!any_) {
      std::fprintf(stderr, "no door events %s\n",
                   options_.device.empty() && options_.since == 0 && !options_.alarms
                       ? "in the store"
                       : "match");
    }
  }

 private:
  void line(const std::string& text) {
    if (!any_) {
      std::printf("%-20s %-20s %8s %-13s %s\n", "TIME", "DEVICE", "SEQ", "EVENT", "DETAILS");
    }
    any_ = true;
    std::printf("%s\n", text.c_str());
  }

  void add_event(const StoredEvent& e) {
    if (options_.json) {
      cJSON_AddItemToArray(events_, event_json(e));
      return;
    }
    char row[256];  // a device id is at most 128 characters
    std::snprintf(row, sizeof row, "%-20s %-20s %8s %-13s ", shown_time(ctx_, e.time()).c_str(),
                  printable(e.device_id).c_str(), e.seq ? std::to_string(*e.seq).c_str() : "-",
                  e.event.c_str());
    line(std::string(row) + details(e));
  }

  void add_gap(const std::string& device, const SeqGap& gap) {
    if (options_.json) {
      cJSON_AddItemToArray(gaps_, gap_json(device, gap));
      return;
    }
    line(printable(device) + ": seq " + seq_range(gap.from, gap.to) + " missing (" +
         gap_reason(gap) + ")");
  }

  const Context& ctx_;
  const EventsOptions& options_;
  cJSON* json_ = nullptr;
  cJSON* events_ = nullptr;  // json_'s arrays
  cJSON* gaps_ = nullptr;
  bool any_ = false;
};

}  // namespace

int events_command(Context& ctx) {
  EventsOptions options;
  if (const int rc = parse_options(ctx, options); rc != kOk) return rc;
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  EventLog log(store);
  Listing listing(ctx, options);
  if (!log.read(options.device, [&listing](const std::vector<StoredEvent>& events) {
        listing.device(events);
        return true;
      })) {
    return runtime_error(log.error());
  }
  listing.print();
  return kOk;
}

}  // namespace door::scheduler::cli
