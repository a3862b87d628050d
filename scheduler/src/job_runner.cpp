#include "scheduler/job_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <thread>

#include "port/clock.hpp"
#include "port/text_writer.hpp"
#include "protocol/json_document.hpp"
#include "protocol/limits.hpp"
#include "protocol/merge_patch.hpp"
#include "protocol/topics.hpp"
#include "scheduler/query.hpp"

namespace door::scheduler {

namespace {

constexpr int64_t kCancelCheckMs = 250;  // how often a run looks for a cancel from another process
constexpr int kMessagesPerBatch = 512;   // answers handled in one store transaction at most
constexpr int64_t kStoreRetryMs = 1000;  // how often results the store lacks are written again

std::string json_text(const cJSON* json) {
  char* printed = cJSON_PrintUnformatted(json);
  std::string text = printed != nullptr ? printed : "null";
  cJSON_free(printed);
  return text;
}

}  // namespace

JobRunner::JobRunner(BrokerLink& client, Fleet& fleet, JobStore& store, ProgressFn progress,
                     NoticeFn notice, TickFn tick)
    : client_(client),
      fleet_(fleet),
      store_(store),
      progress_(std::move(progress)),
      notice_(std::move(notice)),
      tick_(std::move(tick)) {}

void JobRunner::set_status(DeviceResult& result, DeviceStatus status) {
  statistics_.count(result.status, -1);
  statistics_.count(status, 1);
  result.status = status;
}

void JobRunner::finish(Job& job, DeviceResult& result, DeviceStatus status, int code,
                       std::string response) {
  set_status(result, status);
  result.code = code;
  result.response = std::move(response);
  result.ended = port::wall_seconds();
  unsaved_.insert(result.device_id);
  if (progress_) progress_(job, statistics_, result);
}

void JobRunner::end_open_devices(Job& job, DeviceStatus status, const std::string& running_reason,
                                 const std::string& pending_reason) {
  for (auto& [id, r] : results_) {
    if (r.status == DeviceStatus::running) finish(job, r, status, 0, running_reason);
    if (r.status == DeviceStatus::pending) finish(job, r, status, 0, pending_reason);
  }
  pending_.clear();
  deadlines_.clear();
}

bool JobRunner::save(const Job& job, JobStore::Batch& pass) {
  const int64_t now = port::monotonic_ms();
  if (now >= next_renewal_ms_) {
    bool owned = true;
    if (store_.renew(job.id, port::wall_seconds(), owned)) {
      if (!owned) return false;
      next_renewal_ms_ = now + JobStore::kLeaseRenewSeconds * 1000;
    }
  }
  bool saved = true;
  for (auto id = unsaved_.begin(); saved && id != unsaved_.end(); ++id) {
    saved = store_.save_result(job.id, job.run, results_[*id]);
  }
  if (saved && pass.commit()) {
    if (store_failing_ && notice_) notice_(job, "the job store takes results again");
    store_failing_ = false;
    unsaved_.clear();
  } else {
    note_store_failure(job);
  }
  return true;
}

void JobRunner::note_store_failure(const Job& job) {
  if (store_failing_ || unsaved_.empty()) return;
  store_failing_ = true;
  if (notice_) {
    notice_(job, store_.error() + "; " + std::to_string(unsaved_.size()) +
                     " device results kept in memory and written again every second");
  }
}

bool JobRunner::write_desired(const Job& job, const std::string& device_id, int64_t& version,
                              int& code, std::string& error) {
  // Read-modify-write of the newest copy: the broker's retained document, or the store's when the
  // broker lost it or holds an older one.
  const auto& devices = fleet_.devices();
  const auto it = devices.find(device_id);
  const Device* device = it != devices.end() ? &it->second : nullptr;
  std::optional<JobStore::DesiredDocument> stored;
  if (!store_.desired(device_id, stored)) {
    code = 500;
    error = store_.error();
    return false;
  }
  const int64_t broker_version = device != nullptr ? device->desired_version() : 0;
  const int64_t applied_version = device != nullptr ? device->applied_version() : 0;
  const bool use_store = stored && stored->version >= broker_version;
  JsonDocument desired(use_store ? protocol::parse_json_document(stored->document)
                       : device != nullptr && device->desired
                           ? cJSON_Duplicate(device->desired.get(), true)
                           : cJSON_CreateObject());
  if (!desired || (!use_store && (device == nullptr || !device->desired) && applied_version > 0)) {
    // Writing would replace keys the device holds with a document that lacks them.
    code = 409;
    error = "the current desired document is unknown: the device applied $version " +
            std::to_string(applied_version) + ", and neither the broker nor the store has it";
    return false;
  }
  // Above every version the store, the broker and the device's acknowledgements have seen: a
  // version is never written twice, and the device never takes a new one for one it applied.
  const int64_t newest = std::max({broker_version, stored ? stored->version : 0, applied_version});
  if (newest == std::numeric_limits<int64_t>::max()) {
    code = 409;
    error = "no $version is above " + std::to_string(newest);
    return false;
  }
  version = newest + 1;
  JsonDocument patch(protocol::parse_json_document(job.patch));
  cJSON* merged = protocol::merge_patch(desired.release(), patch.get());
  JsonDocument document(merged);
  cJSON_DeleteItemFromObjectCaseSensitive(merged, "$version");
  // As text: a double would print versions past 2^53 inexactly, and the agents refuse those.
  cJSON_AddRawToObject(merged, "$version", std::to_string(version).c_str());
  const std::string text = json_text(merged);
  // Stored before it is published: the broker never holds a version the store lacks.
  if (!store_.save_desired(device_id, JobStore::DesiredDocument{version, text})) {
    code = 500;
    error = store_.error();
    return false;
  }
  char topic[protocol::kMaxTopicLength + 1];
  port::TextWriter topic_text(topic, sizeof topic);
  if (!protocol::broker::format_desired(topic_text, device_id).is_ok()) {
    code = 500;
    error = "the device id cannot name a topic";
    return false;
  }
  if (!client_.publish(topic, text, 1, true)) {
    code = 500;
    error = "the broker did not take the desired document";
    return false;
  }
  fleet_.update(Message{topic, text, true});
  return true;
}

void JobRunner::add_pending(const std::string& key, Pending pending) {
  deadlines_.emplace(pending.deadline_ms, key);
  pending_[key] = std::move(pending);
}

void JobRunner::erase_pending(std::map<std::string, Pending>::iterator p) {
  deadlines_.erase({p->second.deadline_ms, p->first});
  pending_.erase(p);
}

void JobRunner::start_device(Job& job, DeviceResult& result) {
  set_status(result, DeviceStatus::running);
  result.started = port::wall_seconds();
  unsaved_.insert(result.device_id);
  const auto& devices = fleet_.devices();
  const auto device = devices.find(result.device_id);
  const int64_t deadline = port::monotonic_ms() + job.response_timeout_s * 1000LL;
  if (job.type == JobType::update_twin) {
    int64_t version = 0;
    int code = 0;
    std::string error;
    if (!write_desired(job, result.device_id, version, code, error)) {
      finish(job, result, DeviceStatus::failed, code, error);
    } else if (!job.wait_for_ack) {
      finish(job, result, DeviceStatus::completed, 200,
             "desired $version " + std::to_string(version));
    } else {
      add_pending(result.device_id, Pending{result.device_id, deadline, version});
      check_acknowledgement(job, result.device_id);
    }
    return;
  }
  if (device == devices.end() || !device->second.online()) {
    finish(job, result, DeviceStatus::failed, 404,
           "the device is offline (IoT Hub: 404103 DeviceNotOnline)");
    return;
  }
  char rid[96];
  port::TextWriter(rid, sizeof rid)
      .add(job.id)
      .add('.')
      .add_int(job.run)
      .add('.')
      .add_int(++next_request_);
  char topic[protocol::kMaxTopicLength + 1];
  port::TextWriter t(topic, sizeof topic);
  if (!protocol::broker::format_method_request(t, result.device_id, job.method, rid).is_ok() ||
      !client_.send(topic, job.payload)) {
    finish(job, result, DeviceStatus::failed, 500, "the request could not be sent");
    return;
  }
  add_pending(rid, Pending{result.device_id, deadline, 0});
}

void JobRunner::check_acknowledgement(Job& job, const std::string& device_id) {
  const auto p = pending_.find(device_id);
  if (p == pending_.end()) return;
  const auto& devices = fleet_.devices();
  const auto device = devices.find(device_id);
  if (device == devices.end() || !device->second.reported) return;
  JsonDocument patch(protocol::parse_json_document(job.patch));
  int worst = 200;
  std::string reasons;
  for (const cJSON* key = patch ? patch->child : nullptr; key != nullptr; key = key->next) {
    if (cJSON_IsNull(key)) continue;  // a deletion is acknowledged by the key going away
    const cJSON* ack = cJSON_GetObjectItemCaseSensitive(device->second.reported.get(), key->string);
    const cJSON* av = cJSON_GetObjectItemCaseSensitive(ack, "av");
    const cJSON* ac = cJSON_GetObjectItemCaseSensitive(ack, "ac");
    // Exactly the written version: an older one is what the device held before.
    const port::Result<int64_t> acknowledged = protocol::exact_integer(av);
    if (!acknowledged.is_ok() || acknowledged.value() != p->second.version) return;
    if (cJSON_IsNumber(ac) && ac->valueint != 200) {
      worst = ac->valueint;
      const cJSON* ad = cJSON_GetObjectItemCaseSensitive(ack, "ad");
      reasons += std::string(reasons.empty() ? "" : "; ") + key->string + ": " +
                 (cJSON_IsString(ad) ? ad->valuestring : "refused");
    }
  }
  erase_pending(p);
  DeviceResult& result = results_[device_id];
  if (worst == 200) {
    finish(job, result, DeviceStatus::completed, 200, "acknowledged");
  } else {
    finish(job, result, DeviceStatus::failed, worst, reasons);
  }
}

void JobRunner::on_message(Job& job, const Message& message) {
  const protocol::FleetTopic topic = protocol::broker::parse_fleet_topic(message.topic);
  if (topic.kind == protocol::FleetTopicKind::method_response) {
    const auto p = pending_.find(std::string(topic.rid));
    if (p == pending_.end() || p->second.device_id != topic.device_id) return;
    DeviceResult& result = results_[p->second.device_id];
    erase_pending(p);
    const bool ok = topic.status >= 200 && topic.status < 300;
    finish(job, result, ok ? DeviceStatus::completed : DeviceStatus::failed, topic.status,
           message.payload);
    return;
  }
  fleet_.update(message);
  if (topic.kind == protocol::FleetTopicKind::reported) {
    check_acknowledgement(job, std::string(topic.device_id));
  }
}

void JobRunner::grow_rate(const Job& job) {
  constexpr double kMaxRate = 10000;  // as --rate allows
  while (rate_ > 0 && job.rate_increase_factor > 1 && job.rate_increase_every > 0 &&
         statistics_.succeeded >= next_rate_increase_) {
    rate_ = std::min(kMaxRate, rate_ * job.rate_increase_factor);
    next_rate_increase_ += job.rate_increase_every;
  }
}

bool JobRunner::abort_due(const Job& job, std::string& why) const {
  const int done = statistics_.succeeded + statistics_.failed;
  if (job.abort_failed_percent < 0 || done < std::max(1, job.abort_min_devices) ||
      statistics_.failed * 100.0 <= job.abort_failed_percent * done) {
    return false;
  }
  char text[160];
  std::snprintf(text, sizeof text,
                "the abort rule stopped the job: %d of %d devices failed, more than %g %%",
                statistics_.failed, done, job.abort_failed_percent);
  why = text;
  return true;
}

Job JobRunner::run(Job job) {
  results_.clear();
  pending_.clear();
  deadlines_.clear();
  unsaved_.clear();
  statistics_ = Statistics();
  store_failing_ = false;
  next_renewal_ms_ = 0;
  const auto fail = [&job](std::string why) {
    job.status = JobStatus::failed;
    job.failure = std::move(why);
    job.ended = port::wall_seconds();
    return job;
  };
  Query query;
  std::string error;
  // Checked when the job was scheduled, but the store is a file anyone may have changed since.
  if (!query.parse(job.query, error)) return fail("the stored query does not parse: " + error);
  std::vector<DeviceResult> stored;
  if (!store_.results(job.id, job.run, stored)) return fail(store_.error());
  for (DeviceResult r : stored) {
    // A run resumed after a restart asks again where no answer was recorded.
    if (r.status == DeviceStatus::running) r.status = DeviceStatus::pending;
    results_[r.device_id] = r;
  }
  for (const auto& [id, device] : fleet_.devices()) {
    if (results_.count(id) == 0 && query.matches(device.view())) {
      DeviceResult r;
      r.device_id = id;
      results_[id] = r;
      unsaved_.insert(id);
    }
  }
  for (const auto& [id, r] : results_) statistics_.count(r.status, 1);
  const bool subscribed = job.type != JobType::device_method ||
                          client_.subscribe(protocol::broker::kFleetMethodResponseSubscription, 1);

  const int64_t deadline =
      port::monotonic_ms() + (job.started + job.max_execution_s - port::wall_seconds()) * 1000;
  rate_ = job.rate;
  next_rate_increase_ = job.rate_increase_every;
  grow_rate(job);  // a resumed run goes on at the rate it had reached
  const auto spacing_ms = [this] { return rate_ > 0 ? static_cast<int64_t>(1000.0 / rate_) : 0; };
  int64_t last_start_ms = 0;
  int64_t next_start_ms = port::monotonic_ms();
  // A rate that grew shortens the wait for the next start at once.
  const auto apply_growth = [&] {
    const double before = rate_;
    grow_rate(job);
    if (rate_ != before && last_start_ms != 0) {
      next_start_ms = std::min(next_start_ms, last_start_ms + spacing_ms());
    }
  };
  int64_t next_cancel_check = 0;
  std::optional<Message> arrived;
  std::optional<JobStatus> outcome;  // how the run ends, once every result is stored
  for (;;) {
    // A pass whose batch could not begin (the store locked) still handles the devices; what it
    // changes is written by a later pass.
    JobStore::Batch pass(store_, "store the devices' results");
    // What arrived, and what else is waiting already, in one transaction.
    for (int n = 0; !outcome && arrived && n < kMessagesPerBatch; ++n) {
      on_message(job, *arrived);
      arrived = client_.receive(std::chrono::milliseconds(0));
    }
    if (outcome) arrived.reset();  // the run has ended: answers now come too late
    bool cancelled = false;
    if (!outcome && port::monotonic_ms() >= next_cancel_check) {
      next_cancel_check = port::monotonic_ms() + kCancelCheckMs;
      if (store_.cancelled(job.id, cancelled) && cancelled) {
        end_open_devices(job, DeviceStatus::canceled, "the job was cancelled",
                         "the job was cancelled");
        outcome = JobStatus::cancelled;
      }
    }
    const auto stop_if_abort_due = [&] {
      std::string why;
      if (outcome || !abort_due(job, why)) return;
      end_open_devices(job, DeviceStatus::canceled,
                       "the job was aborted before the device answered",
                       "not started: the job was aborted");
      job.failure = why;
      outcome = JobStatus::failed;
    };
    stop_if_abort_due();
    // Start the devices that are due, as the rate allows.
    apply_growth();
    for (auto it = results_.begin(); !outcome && statistics_.pending > 0 && it != results_.end();
         ++it) {
      if (it->second.status != DeviceStatus::pending) continue;
      if (port::monotonic_ms() < next_start_ms) break;
      start_device(job, it->second);
      last_start_ms = port::monotonic_ms();
      next_start_ms = last_start_ms + spacing_ms();
      stop_if_abort_due();  // a device can fail at once (offline)
      apply_growth();
    }
    // The devices whose time ran out: the earliest deadlines first, so a pass costs no more than
    // what it ends.
    while (!outcome && !deadlines_.empty() && deadlines_.begin()->first <= port::monotonic_ms()) {
      const auto p = pending_.find(deadlines_.begin()->second);
      DeviceResult& r = results_[p->second.device_id];
      erase_pending(p);
      finish(job, r, DeviceStatus::failed, 504,
             job.type == JobType::device_method
                 ? "no answer within " + std::to_string(job.response_timeout_s) +
                       " s (IoT Hub: 504101 GatewayTimeout)"
                 : "not acknowledged within " + std::to_string(job.response_timeout_s) + " s");
    }
    stop_if_abort_due();
    if (outcome) {
      // Ending already: only the store has to catch up.
    } else if (!subscribed || !client_.connected()) {
      // Not the devices' fault: say what happened, instead of waiting for answers that cannot
      // come and blaming each device with a 504.
      end_open_devices(job, DeviceStatus::failed,
                       "the connection to the broker was lost before the device answered",
                       "not started: the connection to the broker was lost");
      job.failure = "the connection to the broker was lost";
      outcome = JobStatus::failed;
    } else if (pending_.empty() && statistics_.pending == 0) {
      outcome = JobStatus::completed;
    } else if (port::monotonic_ms() >= deadline) {
      end_open_devices(job, DeviceStatus::failed, "maxExecutionTimeInSeconds ran out",
                       "maxExecutionTimeInSeconds ran out");
      job.failure =
          "maxExecutionTimeInSeconds (" + std::to_string(job.max_execution_s) + ") ran out";
      outcome = JobStatus::failed;
    }
    if (!pass.open()) {
      note_store_failure(job);
    } else if (!save(job, pass)) {
      return fail("another scheduler took the run over (this one's lease had expired)");
    }
    if (outcome && unsaved_.empty()) {
      job.status = *outcome;
      job.ended = port::wall_seconds();
      return job;
    }
    if (tick_ && !outcome) tick_(job, statistics_);
    if (arrived) continue;  // more is waiting already
    int64_t wait = outcome ? kStoreRetryMs : next_cancel_check - port::monotonic_ms();
    if (!deadlines_.empty())
      wait = std::min(wait, deadlines_.begin()->first - port::monotonic_ms());
    if (spacing_ms() > 0 && statistics_.pending > 0)
      wait = std::min(wait, next_start_ms - port::monotonic_ms());
    if (!unsaved_.empty() && store_failing_) wait = std::min(wait, kStoreRetryMs);
    wait = std::max<int64_t>(wait, 1);
    if (client_.connected()) {
      arrived = client_.receive(std::chrono::milliseconds(wait));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));  // nothing can arrive
    }
  }
}

}  // namespace door::scheduler
