#include "job_run.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "job_output.hpp"
#include "port/clock.hpp"
#include "reconnect_delay.hpp"
#include "scheduler/desired_restore.hpp"
#include "scheduler/job_runner.hpp"
#include "scheduler/schedule.hpp"

namespace door::scheduler::cli {

namespace {

volatile sig_atomic_t g_stop = 0;
void request_stop(int) {
  g_stop = 1;
}

void print_notice(const Job& job, const std::string& what) {
  std::fprintf(stderr, "door-scheduler: job %s: %s\n", job.id.c_str(), what.c_str());
}

// Loads the fleet and puts back the desired documents the broker lost.
bool load(BrokerClient& client, Fleet& fleet, JobStore& store, std::string& error) {
  std::vector<std::string> restored;
  if (!fleet.load(client, error) || !restore_desired(client, fleet, store, restored, error)) {
    return false;
  }
  for (const std::string& id : restored) {
    std::fprintf(stderr, "restored the desired document of %s from the store\n",
                 printable(id).c_str());
  }
  return true;
}

}  // namespace

void stop_on_signals() {
  signal(SIGINT, request_stop);
  signal(SIGTERM, request_stop);
}

bool stop_requested() {
  return g_stop != 0;
}

bool run_claimed(Job& job, BrokerClient& client, Fleet& fleet, JobStore& store,
                 ProgressView* view) {
  ProgressFn progress;
  TickFn tick;
  if (view != nullptr) {
    view->begin(job.started);
    progress = [view](const Job&, const Statistics& st, const DeviceResult& r) {
      if (r.status != DeviceStatus::running && r.status != DeviceStatus::pending) {
        view->device(r, st);
      }
    };
    tick = [view](const Job&, const Statistics& st) { view->tick(st); };
  }
  JobRunner runner(client, fleet, store, progress, print_notice, tick);
  job = runner.run(job);
  if (view != nullptr) view->end();
  Job stored = job;
  if (!job.recurrence.empty() && job.status != JobStatus::cancelled) {
    stored.start_time = next_start(job.recurrence, job.start_time, port::wall_seconds());
    stored.status = JobStatus::scheduled;
    stored.ended = 0;
  }
  while (!store.update(stored)) {
    print_notice(job, store.error());
    if (!store.locked() || g_stop != 0) return false;
  }
  job = stored;
  return true;
}

void pause_ms(int64_t ms) {
  for (const int64_t until = port::monotonic_ms() + ms;
       g_stop == 0 && port::monotonic_ms() < until;) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min<int64_t>(100, until - port::monotonic_ms())));
  }
}

std::string summary_of(const Job& job, JobStore& store) {
  Statistics st;
  if (!store.statistics(job.id, job.run, st)) return "job " + job.id + ": " + store.error();
  return summary(job, st);
}

bool connect(BrokerClient& client, Fleet& fleet, JobStore& store, const std::string& device_id) {
  std::string error;
  // One device's documents alone say nothing of what the broker lost of the others'.
  if (client.connect(error) && (device_id.empty() ? load(client, fleet, store, error)
                                                  : fleet.load(client, error, device_id))) {
    return true;
  }
  runtime_error(error);
  return false;
}

void reconnect(BrokerClient& client, Fleet& fleet, JobStore& store,
               void (*say)(const std::string&)) {
  ReconnectDelay delay;
  while (g_stop == 0) {
    const int64_t delay_ms = delay.next_ms();
    say(reconnecting_notice(delay_ms));
    pause_ms(delay_ms);
    Fleet fresh;
    std::string error;
    if (g_stop == 0 && client.connect(error) && load(client, fresh, store, error)) {
      fleet = std::move(fresh);
      say("reconnected to the broker: " + std::to_string(fleet.devices().size()) + " devices");
      return;
    }
    if (!error.empty()) say(error);
  }
}

void wait_until(int64_t when, BrokerClient& client, Fleet& fleet) {
  while (g_stop == 0 && port::wall_seconds() < when && client.connected()) {
    const int64_t left_ms = (when - port::wall_seconds()) * 1000;
    if (const auto m = client.receive(std::chrono::milliseconds(std::min<int64_t>(left_ms, 500)))) {
      fleet.update(*m);
    }
  }
}

}  // namespace door::scheduler::cli
