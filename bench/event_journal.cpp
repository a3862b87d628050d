// The door event journal's figures: a door-agent (broker dialect, TLS, fake GPIO) records a long
// outage's events, then replays them; lockDoor calls made during the replay are timed against
// calls made when idle; the RSS is read with the full journal pending and after many calls; and,
// run as root, the bytes the card's block device takes and the fdatasync calls per event, with
// the state directory on an ext4 file system of its own (a loop device).
// Usage: event_journal [events] [calls] [paced events] (10000 100000 200; 0 paced events: no card
// figures)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "memory_usage.hpp"
#include "method_caller.hpp"
#include "mqtt_client.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace {

using namespace door::test;
using door::bench::CallerOptions;
using door::bench::MethodCaller;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1,
                         static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

void print_latency(const char* what, const std::vector<double>& us) {
  std::printf("  %-34s %6zu calls  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", what, us.size(),
              percentile(us, 0.5) / 1000, percentile(us, 0.99) / 1000,
              us.empty() ? 0 : *std::max_element(us.begin(), us.end()) / 1000);
}

CallerOptions caller_options(const Broker& broker, const std::string& device) {
  CallerOptions o;
  o.port = broker.service_port();
  o.device_id = device;
  o.username = Broker::kSchedulerUser;
  o.password = Broker::kSchedulerPassword;
  o.ca_file = TestPki::shared().file("ca.pem");
  return o;
}

// Opens and closes the door `swings` times through the fake's control FIFO, each command taken
// by the agent before the next: four events a swing (opened, forcedOpen raised, closed, cleared).
bool swing_door(AgentProcess& agent, const TempDir& dir, int swings,
                std::chrono::milliseconds pause = std::chrono::milliseconds(0)) {
  for (int i = 0; i < swings * 2; ++i) {
    const std::string text = i % 2 == 0 ? "set DOOR active" : "set DOOR inactive";
    const std::size_t from = agent.process().line_count();
    if (!fake_command(dir, text) ||
        !agent.process().wait_for_output(i % 2 == 0 ? "door opened" : "door closed", 10s, from)) {
      return false;
    }
    if (pause.count() > 0) std::this_thread::sleep_for(pause);  // the paced rate of events
  }
  return true;
}

std::string agent_config(const Broker& broker, const TempDir& dir, const std::string& state) {
  return broker_dialect_config(broker.port(), "door-1", "",
                               R"("stateFile":")" + state + "\"," + fake_door_section(dir));
}

int replay(int events, int calls) {
  Broker broker("server", Broker::Persistence::on_disk);
  TempDir dir;
  AgentProcess agent(agent_config(broker, dir, dir.file("desired.json")));
  if (!agent.wait_online()) {
    std::fprintf(stderr, "event_journal: the agent did not come online:\n%s",
                 agent.process().output().c_str());
    return 1;
  }
  ClientOptions audit_options = scheduler_options(broker);
  audit_options.client_id = "audit";
  audit_options.persistent_session = true;
  MqttClient audit(audit_options);
  if (!audit.connect().empty() || !audit.subscribe("devices/door-1/messages/events/#", 1)) {
    std::fprintf(stderr, "event_journal: the audit client could not subscribe\n");
    return 1;
  }

  broker.stop();
  const auto made_from = Clock::now();
  if (!swing_door(agent, dir, events / 4)) {
    std::fprintf(stderr, "event_journal: the door did not swing:\n%s",
                 agent.process().output().c_str());
    return 1;
  }
  const double making_s = std::chrono::duration<double>(Clock::now() - made_from).count();
  const MemoryUsage pending = memory_usage(agent.process().pid());

  const std::size_t from = agent.process().line_count();
  broker.start();
  if (!audit.connect().empty()) {
    std::fprintf(stderr, "event_journal: the audit client did not reconnect\n");
    return 1;
  }
  if (!agent.process().wait_for_output("online: device", 30s, from)) {
    std::fprintf(stderr, "event_journal: the agent did not reconnect\n");
    return 1;
  }
  const auto online = Clock::now();
  MethodCaller during(caller_options(broker, "door-1"));
  if (!during.connect(10s)) return 1;
  std::atomic<bool> replaying{true};
  std::vector<double> during_us;
  std::thread caller([&] {
    while (replaying) {
      const std::vector<double> one = during.call(1, 1, 10s);
      during_us.insert(during_us.end(), one.begin(), one.end());
      std::this_thread::sleep_for(20ms);  // a call every 20 ms or so, as a busy site's would
    }
  });
  std::set<uint64_t> seen;
  std::size_t duplicates = 0;
  auto last = online;
  for (;;) {
    const auto m = audit.receive_on("devices/door-1/messages/events/", 3s);
    if (!m) break;  // quiet for 3 s: the replay is over
    const uint64_t seq = std::stoull(m->payload.substr(m->payload.find(':') + 1));
    if (!seen.insert(seq).second) ++duplicates;
    last = Clock::now();
  }
  replaying = false;
  caller.join();
  const double replay_s = std::chrono::duration<double>(last - online).count();

  // The same calls, spaced alike, with nothing to replay.
  std::vector<double> idle_us;
  for (std::size_t i = 0; i < during_us.size(); ++i) {
    const std::vector<double> one = during.call(1, 1, 10s);
    idle_us.insert(idle_us.end(), one.begin(), one.end());
    std::this_thread::sleep_for(20ms);
  }
  const std::vector<double> bulk = during.call(calls, 64, 600s);
  const MemoryUsage end = memory_usage(agent.process().pid());

  std::printf("outage of %d events (%.1f s to make them, %.0f events/s)\n", events, making_s,
              events / making_s);
  std::printf(
      "  replay: %zu events (%zu duplicates) in %.2f s after the reconnect: %.0f events/s\n",
      seen.size(), duplicates, replay_s, static_cast<double>(seen.size()) / replay_s);
  print_latency("lockDoor during the replay", during_us);
  print_latency("lockDoor idle, spaced alike", idle_us);
  std::printf("  RSS with %d events pending: %ld KiB (private dirty %ld KiB)\n", events,
              pending.rss_kib, pending.private_dirty_kib);
  std::printf("  RSS after %zu more calls (64 in flight): %ld KiB (private dirty %ld KiB)\n",
              bulk.size(), end.rss_kib, end.private_dirty_kib);
  return seen.size() >= static_cast<std::size_t>(events) ? 0 : 1;
}

// Sectors written to a block device (/sys/block/<dev>/stat, seventh field).
long sectors_written(const std::string& device) {
  std::ifstream stat("/sys/block/" + device + "/stat");
  long fields[7] = {};
  for (long& f : fields) stat >> f;
  return fields[6];
}

bool run(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

// The card's figures: the state directory on an ext4 file system of its own.
int card_writes(int events) {
  if (geteuid() != 0) {
    std::printf("card writes: skipped (needs root for a loop device)\n");
    return 0;
  }
  TempDir dir;
  const std::string image = dir.file("card.img");
  const std::string mount_point = dir.file("card");
  if (!run("truncate -s 64M " + image + " && mkfs.ext4 -q " + image + " && mkdir " + mount_point +
           " && mount -o loop " + image + " " + mount_point)) {
    std::fprintf(stderr, "event_journal: cannot mount an ext4 image\n");
    return 1;
  }
  std::string device;
  {
    std::ifstream mounts("/proc/self/mounts");
    std::string source, target, rest;
    while (mounts >> source >> target && std::getline(mounts, rest)) {
      if (target == mount_point) device = source.substr(source.rfind('/') + 1);
    }
  }
  int status = 1;
  {
    Broker broker;
    AgentProcess agent(agent_config(broker, dir, mount_point + "/desired.json"));
    if (agent.wait_online() && swing_door(agent, dir, 5)) {
      run("sync -f " + mount_point);
      const std::string trace = dir.file("strace.txt");
      Process strace({"strace", "-f", "-c", "-e", "trace=fdatasync,fsync,pwrite64", "-o", trace,
                      "-p", std::to_string(agent.process().pid())});
      std::this_thread::sleep_for(1s);  // strace attaches
      const long before = sectors_written(device);
      // A door that opens and closes every 2.5 s: each swing's four events come in two pairs.
      const bool swung = swing_door(agent, dir, events / 4, 1250ms);
      run("sync -f " + mount_point);  // the header's lazy writes, which writeback would make later
      const long after = sectors_written(device);
      strace.signal(SIGINT);
      (void)strace.wait_exit(10s);
      std::ifstream in(trace);
      std::stringstream text;
      text << in.rdbuf();
      const double bytes = static_cast<double>(after - before) * 512 / events;
      std::printf("card writes (ext4 on a loop device, %d events at 2 events every 1.25 s):\n",
                  events);
      std::printf(
          "  %.0f bytes written to the device per event (journal, metadata, ext4's own "
          "journal)\n",
          bytes);
      std::printf("  at 100 events an hour: %.1f MiB a day\n", bytes * 2400 / 1048576);
      std::printf("  system calls of the agent over the run (strace -c):\n%s", text.str().c_str());
      status = swung ? 0 : 1;
    }
  }
  run("umount " + mount_point);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const int events = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 100000;
  const int paced = argc > 3 ? std::atoi(argv[3]) : 200;
  const int replayed = replay(events, calls);
  std::printf("\n");
  const int card = paced > 0 ? card_writes(paced) : 0;
  return replayed != 0 ? replayed : card;
}
