#pragma once
// What the commands that run or follow jobs share (schedule --wait, watch, serve): a stop asked by
// a signal, the broker connection with the fleet, and one claimed run carried to its stored end.
#include <cstdint>
#include <string>

#include "progress_view.hpp"
#include "scheduler/broker_client.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/job.hpp"
#include "scheduler/job_store.hpp"

namespace door::scheduler::cli {

// SIGINT and SIGTERM ask the command to stop; stop_requested() tells whether one has.
void stop_on_signals();
bool stop_requested();
// Waits up to `ms`, in short steps so a stop is not kept waiting.
void pause_ms(int64_t ms);

// Connects and loads the fleet, putting back the desired documents the broker lost, or loads one
// device's documents alone; false after a one-line message.
bool connect(BrokerClient& client, Fleet& fleet, JobStore& store,
             const std::string& device_id = "");
// After the connection to the broker was lost: tries again after a delay that doubles from 1 s to
// 30 s, with jitter so many schedulers do not come back at once, until connected or a stop is
// asked. The fleet is loaded afresh, so no device is judged by documents from before the loss.
// Each attempt is said through `say`.
void reconnect(BrokerClient& client, Fleet& fleet, JobStore& store,
               void (*say)(const std::string&));
// Waits (keeping the fleet current) until the wall clock reaches `when`, a stop is asked or the
// connection to the broker is lost.
void wait_until(int64_t when, BrokerClient& client, Fleet& fleet);

// Runs one claimed run of the job and stores how it ended (and, for a repeating job, when it runs
// next), showing its progress on `view` when given. A store another process keeps locked is tried
// again (each try waits for the lock a bounded time, and says so) until it takes the outcome or a
// stop is asked; false when the outcome could not be stored.
bool run_claimed(Job& job, BrokerClient& client, Fleet& fleet, JobStore& store, ProgressView* view);
// The job's line with its run's statistics, or the store's error.
std::string summary_of(const Job& job, JobStore& store);

}  // namespace door::scheduler::cli
