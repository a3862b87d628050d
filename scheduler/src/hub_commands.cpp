// door-scheduler's commands on Azure IoT Hub, through the service REST API.
#include "hub_commands.hpp"

#include <cstdio>
#include <memory>
#include <set>

#include "device_output.hpp"
#include "job_output.hpp"
#include "job_run.hpp"
#include "port/clock.hpp"
#include "progress_view.hpp"
#include "protocol/json_document.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/hub_client.hpp"
#include "scheduler/hub_jobs.hpp"
#include "scheduler/query.hpp"
#include "scheduler/schedule.hpp"

namespace door::scheduler::cli {

namespace {

// How often --wait, watch and serve look at the hub: each look is a GET of the job and a query of
// its devices, which count against the hub's quotas.
constexpr int64_t kPollMs = 1000;
// A recurring job's occurrences are named ID-RUN: room for "-" and six digits in 64 characters.
constexpr std::size_t kMaxRecurringIdLength = 57;

int exit_code(const HubClient& hub) {
  switch (hub.failure()) {
    case HubFailure::unauthorized: return kHubUnauthorized;
    case HubFailure::forbidden: return kHubForbidden;
    case HubFailure::not_found: return kHubNotFound;
    case HubFailure::conflict: return kHubConflict;
    case HubFailure::throttled: return kHubThrottled;
    case HubFailure::server: return kHubServer;
    case HubFailure::tls: return kHubTls;
    case HubFailure::dns:
    case HubFailure::network: return kHubUnreachable;
    default: return kError;
  }
}

int hub_failed(const HubClient& hub) {
  std::fprintf(stderr, "door-scheduler: %s\n", printable(hub.error()).c_str());
  return exit_code(hub);
}

std::unique_ptr<HubClient> open_hub(const Context& ctx, std::string& error) {
  HubConnection connection;
  if (!parse_hub_connection(ctx.iothub, connection, error)) return nullptr;
  return std::make_unique<HubClient>(
      std::move(connection), ctx.broker.ca_file, [](const std::string& notice) {
        std::fprintf(stderr, "door-scheduler: %s\n", printable(notice).c_str());
      });
}

// An answer's JSON, each member named once; false (and the client's failure) when it is not.
bool answer_json(const HubResponse& response, JsonDocument& out, std::string& error) {
  out.reset(protocol::parse_json_document(response.body));
  if (out) return true;
  error = "IoT Hub's answer is not valid JSON";
  return false;
}

// GET /jobs/v2/{id}. kOk, or the exit status of the failure (said on stderr).
int get_job(HubClient& hub, const std::string& id, Job& job, Statistics& st) {
  HubResponse response;
  if (!hub.call("GET", "/jobs/v2/" + id, "", nullptr, "", response)) return hub_failed(hub);
  JsonDocument json;
  std::string error;
  if (!answer_json(response, json, error) || !parse_job_response(json.get(), job, st, error)) {
    return runtime_error(error);
  }
  return kOk;
}

// Each device's result: the devices.jobs query, page by page.
int device_results(HubClient& hub, const std::string& id, std::vector<DeviceResult>& out) {
  out.clear();
  const std::string body = device_jobs_query(id);
  std::string continuation;
  do {
    HubResponse response;
    if (!hub.call("POST", "/devices/query", "", &body, continuation, response)) {
      return hub_failed(hub);
    }
    JsonDocument json;
    std::string error;
    if (!answer_json(response, json, error)) return runtime_error(error);
    if (!cJSON_IsArray(json.get())) return runtime_error("IoT Hub's query answer is not an array");
    for (const cJSON* item = json->child; item != nullptr; item = item->next) {
      DeviceResult r;
      if (!parse_device_job(item, r, error)) return runtime_error(error);
      out.push_back(std::move(r));
    }
    continuation = response.continuation;
  } while (!continuation.empty());
  return kOk;
}

bool ended(JobStatus status) {
  return status == JobStatus::completed || status == JobStatus::failed ||
         status == JobStatus::cancelled;
}

// Keeps the store's record (when there is one) at the hub's status; a store that fails is said,
// the hub's job is what counts.
void note_status(JobStore& store, const Job& job) {
  std::vector<JobStore::HubJob> records;
  if (!store.hub_jobs(records)) return;
  for (JobStore::HubJob& record : records) {
    if (record.job.id != job.id || !record.job.recurrence.empty()) continue;
    record.job.status = job.status;
    if (!store.update_hub_job(record.job)) runtime_error(store.error());
  }
}

// Follows a job on the hub to its end, as the broker backend's --wait and watch do: each device's
// result as it ends and the progress (bar or lines on stderr), then the summary or the JSON.
int follow(const Context& ctx, HubClient& hub, JobStore& store, Job job, bool json) {
  stop_on_signals();
  FILE* info = json ? stderr : stdout;  // under --json stdout carries the JSON alone
  ProgressView view(job.id, !json);
  if (job.start_time > port::wall_seconds()) {
    std::fprintf(info, "job %s %s, starts at %s\n", job.id.c_str(), to_string(job.status),
                 shown_time(ctx, job.start_time).c_str());
  }
  std::set<std::string> shown;
  bool began = false;
  Statistics st;
  std::vector<DeviceResult> results;
  for (;;) {
    if (const int rc = get_job(hub, job.id, job, st); rc != kOk) return rc;
    if (job.status != JobStatus::queued && job.status != JobStatus::scheduled) {
      if (!began) {
        std::fprintf(info, "job %s running: %s\n", job.id.c_str(), printable(job.query).c_str());
        view.begin(job.started != 0 ? job.started : port::wall_seconds());
        began = true;
      }
      if (const int rc = device_results(hub, job.id, results); rc != kOk) return rc;
      Statistics so_far;
      for (const DeviceResult& r : results) so_far.count(r.status, 1);
      for (const DeviceResult& r : results) {
        const bool open = r.status == DeviceStatus::pending || r.status == DeviceStatus::running;
        if (!open && shown.insert(r.device_id).second) view.device(r, so_far);
      }
      view.tick(so_far);
    }
    if (ended(job.status)) break;
    if (stop_requested()) {
      view.end();
      std::fprintf(stderr, "stopped following job %s; it goes on at the hub\n", job.id.c_str());
      return kPartial;
    }
    pause_ms(kPollMs);
  }
  view.end();
  note_status(store, job);
  return print_outcome(job, st, results, json);
}

// PUT /jobs/v2/{id}. A create that was sent again after a 429 or 5xx may have been made by the
// first try: a 409 then is the job this scheduler asked for, when the hub's copy says so.
int create_job(HubClient& hub, const Job& job, Job& created, Statistics& st) {
  const std::string body = job_request(job);
  HubResponse response;
  if (!hub.call("PUT", "/jobs/v2/" + job.id, "", &body, "", response)) {
    if (hub.failure() == HubFailure::conflict && hub.retried() &&
        get_job(hub, job.id, created, st) == kOk && created.type == job.type &&
        created.query == query_condition(job.query)) {
      return kOk;
    }
    return hub_failed(hub);
  }
  JsonDocument json;
  std::string error;
  if (!answer_json(response, json, error) || !parse_job_response(json.get(), created, st, error)) {
    return runtime_error(error);
  }
  return kOk;
}

int serve(Context& ctx, HubClient& hub) {
  if (ctx.next < ctx.args.size()) {
    if (ctx.args[ctx.next] == "--max-concurrent") {
      return usage_error(
          "--max-concurrent does not exist on IoT Hub: the hub runs its jobs, as many at once "
          "as its tier allows");
    }
    return usage_error("serve takes no options on IoT Hub");
  }
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  stop_on_signals();
  std::printf("serving recurring IoT Hub jobs for %s from %s\n", hub.host().c_str(),
              ctx.store_path.c_str());
  while (!stop_requested()) {
    std::vector<JobStore::HubJob> records;
    if (!store.hub_jobs(records)) runtime_error(store.error());
    const int64_t now = port::wall_seconds();
    for (JobStore::HubJob& record : records) {
      Job& rule = record.job;
      if (stop_requested()) break;
      if (rule.recurrence.empty() || record.host != hub.host() ||
          rule.status != JobStatus::scheduled || rule.start_time > now) {
        continue;
      }
      Job occurrence = rule;
      occurrence.id = rule.id + "-" + std::to_string(rule.run + 1);
      occurrence.recurrence.clear();
      occurrence.created = now;
      Job created;
      Statistics st;
      if (create_job(hub, occurrence, created, st) != kOk) continue;  // said; tried again
      occurrence.status = created.status;
      occurrence.run = 1;
      if (!store.add_hub_job({occurrence, hub.host()})) runtime_error(store.error());
      rule.run += 1;
      rule.start_time = next_start(rule.recurrence, rule.start_time, now);
      if (!store.update_hub_job(rule)) runtime_error(store.error());
      std::printf("job %s: created hub job %s; next at %s\n", rule.id.c_str(),
                  occurrence.id.c_str(), shown_time(ctx, rule.start_time).c_str());
    }
    pause_ms(kPollMs);
  }
  std::printf("stopped\n");
  return kOk;
}

int jobs(Context& ctx, HubClient& hub) {
  const bool json = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--json";
  if (ctx.next + (json ? 1 : 0) < ctx.args.size()) {
    return usage_error(
        "jobs on IoT Hub takes only --json; the filters apply to the store's listing (without "
        "the hub)");
  }
  JsonDocument array(cJSON_CreateArray());
  if (!json) print_job_header();
  std::string continuation;
  do {
    HubResponse response;
    if (!hub.call("GET", "/jobs/v2/query", "", nullptr, continuation, response)) {
      return hub_failed(hub);
    }
    JsonDocument answer;
    std::string error;
    if (!answer_json(response, answer, error)) return runtime_error(error);
    // A QueryResult ({"type", "items", "continuationToken"}) as the reference says, or a bare
    // array as some hubs answer.
    const cJSON* items = cJSON_IsArray(answer.get())
                             ? answer.get()
                             : cJSON_GetObjectItemCaseSensitive(answer.get(), "items");
    if (!cJSON_IsArray(items)) return runtime_error("IoT Hub's job list has no items");
    for (const cJSON* item = items->child; item != nullptr; item = item->next) {
      Job job;
      Statistics st;
      if (!parse_job_response(item, job, st, error)) {
        if (job.id.empty()) return runtime_error(error);
        continue;  // a job of another type (an import or export)
      }
      if (json) {
        cJSON* entry = job_json(job, st, nullptr);
        cJSON_AddStringToObject(entry, "where", hub.host().c_str());
        cJSON_AddItemToArray(array.get(), entry);
      } else {
        print_job_row(ctx, job, st, hub.host());
      }
    }
    continuation = response.continuation;
  } while (!continuation.empty());
  if (json) print_json(array.release());
  return kOk;
}

int job(Context& ctx, HubClient& hub) {
  if (ctx.next >= ctx.args.size()) return usage_error("job needs a job id");
  const std::string id = ctx.args[ctx.next++];
  const bool json = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--json";
  if (ctx.next + (json ? 1 : 0) < ctx.args.size()) return usage_error("job takes only --json");
  if (!valid_job_id(id)) return usage_error("a job id is 1 to 64 letters, digits or '-'");
  Job found;
  Statistics st;
  std::vector<DeviceResult> results;
  if (const int rc = get_job(hub, id, found, st); rc != kOk) return rc;
  if (const int rc = device_results(hub, id, results); rc != kOk) return rc;
  if (json) {
    print_json(job_json(found, st, &results));
  } else {
    print_job(ctx, found, st, results);
  }
  return exit_code_of(found, st);
}

// watch ID: follows a job on the hub as --wait does.
int watch(Context& ctx, HubClient& hub) {
  if (ctx.next >= ctx.args.size()) return usage_error("watch needs a job id");
  const std::string id = ctx.args[ctx.next++];
  const bool json = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--json";
  if (ctx.next + (json ? 1 : 0) < ctx.args.size()) return usage_error("watch takes only --json");
  if (!valid_job_id(id)) return usage_error("a job id is 1 to 64 letters, digits or '-'");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  Job job;
  job.id = id;
  return follow(ctx, hub, store, job, json);
}

int cancel(Context& ctx, HubClient& hub) {
  if (ctx.next >= ctx.args.size()) return usage_error("cancel needs a job id");
  const std::string id = ctx.args[ctx.next];
  if (!valid_job_id(id)) return usage_error("a job id is 1 to 64 letters, digits or '-'");
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  HubResponse response;
  if (!hub.call("POST", "/jobs/v2/" + id + "/cancel", "", nullptr, "", response)) {
    return hub_failed(hub);
  }
  Job cancelled;
  cancelled.id = id;
  cancelled.status = JobStatus::cancelled;
  note_status(store, cancelled);
  std::printf("job %s cancelled\n", id.c_str());
  return kOk;
}

int devices(Context& ctx, HubClient& hub) {
  DevicesOptions options;
  if (const int rc = parse_devices_options(ctx, options); rc != kOk) return rc;
  const std::string condition = options.has_query ? query_condition(options.query_text) : "";
  const std::string query =
      condition.empty() ? "SELECT * FROM devices" : "SELECT * FROM devices WHERE " + condition;
  const bool json = options.json;
  std::string error;
  JsonDocument body(cJSON_CreateObject());
  cJSON_AddStringToObject(body.get(), "query", query.c_str());
  char* text = cJSON_PrintUnformatted(body.get());
  const std::string request = text;
  cJSON_free(text);
  JsonDocument array(cJSON_CreateArray());
  if (!json) print_device_header();
  const int64_t now = port::wall_seconds();
  int listed = 0;
  std::string continuation;
  do {
    HubResponse response;
    if (!hub.call("POST", "/devices/query", "", &request, continuation, response)) {
      return hub_failed(hub);
    }
    JsonDocument twins;
    if (!answer_json(response, twins, error)) return runtime_error(error);
    if (!cJSON_IsArray(twins.get())) return runtime_error("IoT Hub's query answer is not an array");
    for (const cJSON* twin = twins->child; twin != nullptr; twin = twin->next) {
      const cJSON* id = cJSON_GetObjectItemCaseSensitive(twin, "deviceId");
      if (!cJSON_IsString(id)) return runtime_error("a twin in IoT Hub's answer has no deviceId");
      const cJSON* state = cJSON_GetObjectItemCaseSensitive(twin, "connectionState");
      const bool online = cJSON_IsString(state) && std::string(state->valuestring) == "Connected";
      const cJSON* properties = cJSON_GetObjectItemCaseSensitive(twin, "properties");
      const cJSON* reported = cJSON_GetObjectItemCaseSensitive(properties, "reported");
      const cJSON* desired = cJSON_GetObjectItemCaseSensitive(properties, "desired");
      const int64_t last_activity =
          utc_seconds(cJSON_GetObjectItemCaseSensitive(twin, "lastActivityTime"));
      const DeviceView view{id->valuestring, online,   online ? now : last_activity,
                            nullptr,         reported, desired};
      ++listed;
      if (json) {
        cJSON_AddItemToArray(array.get(), device_json(view));
      } else {
        print_device_row(view, now);
      }
    }
    continuation = response.continuation;
  } while (!continuation.empty());
  if (json) print_json(array.release());
  if (listed == 0) warn_if_no_device(options.has_query, "the hub");
  return kOk;
}

}  // namespace

int hub_command(const std::string& command, Context& ctx) {
  std::string error;
  std::unique_ptr<HubClient> hub = open_hub(ctx, error);
  if (!hub) return usage_error(error);
  if (command == "devices") return devices(ctx, *hub);
  if (command == "jobs") return jobs(ctx, *hub);
  if (command == "job") return job(ctx, *hub);
  if (command == "cancel") return cancel(ctx, *hub);
  if (command == "serve") return serve(ctx, *hub);
  if (command == "watch") return watch(ctx, *hub);
  return usage_error("unknown command '" + command + "'");
}

int hub_schedule(Context& ctx, Job& job, bool wait, bool json) {
  if (job.rate != 0) {
    return usage_error("--rate does not exist on IoT Hub: the hub paces a job's devices itself");
  }
  if (job.rate_increase_factor != 0 || job.rate_increase_every != 0) {
    return usage_error(
        "--rate-increase-factor does not exist on IoT Hub: the hub paces a job's devices itself");
  }
  if (job.abort_failed_percent >= 0) {
    return usage_error(
        "--abort-failed-percent does not exist on IoT Hub: a hub job runs on every device it "
        "matches");
  }
  if (job.wait_for_ack) {
    return usage_error(
        "--wait-ack does not exist on IoT Hub: a twin job succeeds once the hub "
        "has written the desired properties");
  }
  if (query_condition(job.query).empty()) {
    return usage_error("--query: an IoT Hub job needs a condition (such as deviceId IN ['a','b'])");
  }
  if (!job.recurrence.empty() && job.id.size() > kMaxRecurringIdLength) {
    return usage_error("--id: a repeating job's id is at most 57 characters (its runs add -N)");
  }
  std::string error;
  std::unique_ptr<HubClient> hub = open_hub(ctx, error);
  if (!hub) return usage_error(error);
  JobStore store;
  if (!open_store(ctx, store)) return kError;
  if (!job.recurrence.empty()) {
    // serve creates each occurrence on the hub when it is due.
    job.status = JobStatus::scheduled;
    if (!store.add_hub_job({job, hub->host()})) return runtime_error(store.error());
    std::printf(
        "job %s scheduled for %s on %s; door-scheduler --iothub-file FILE serve creates each run\n",
        job.id.c_str(), shown_time(ctx, job.start_time).c_str(), hub->host().c_str());
    return kOk;
  }
  Job created;
  Statistics st;
  if (const int rc = create_job(*hub, job, created, st); rc != kOk) return rc;
  job.status = created.status;
  job.run = 1;
  if (!store.add_hub_job({job, hub->host()})) {
    // Not half-created: a job the store cannot record is cancelled on the hub again.
    const std::string store_error = store.error();
    HubResponse response;
    const bool undone =
        hub->call("POST", "/jobs/v2/" + job.id + "/cancel", "", nullptr, "", response);
    return runtime_error(store_error +
                         (undone ? "; the job was cancelled on the hub"
                                 : "; cancelling it on the hub failed too: " + hub->error()));
  }
  if (wait) return follow(ctx, *hub, store, job, json);
  if (json) {
    print_json(job_json(created, st, nullptr));
  } else {
    std::printf("job %s %s for %s on %s\n", job.id.c_str(), to_string(created.status),
                shown_time(ctx, job.start_time).c_str(), hub->host().c_str());
  }
  return kOk;
}

}  // namespace door::scheduler::cli
