// Fleet scale: one lockDoor job over 100, then 1,000 simulated devices (door-agent processes with
// the fake GPIO, broker dialect, each with its own broker user), run by the door-scheduler in the
// foreground. Prints, for each fleet size, the time from the job's start to all results, the
// scheduler's CPU time and peak RSS, the broker's and the devices' CPU time over the scheduler's
// run, and the devices' results; every device must succeed.
// With --one-process the devices are door-agents too, all in one bench/agent_fleet process (each on
// its own thread), so a fleet costs no more processes than it has to. With --echo they are
// bench/echo_fleet's light ones, many in one process, so the scheduler is measured with fleets
// that agents could not simulate here.
// Usage: fleet [--one-process | --echo] [sizes...] (100 1000). Sizes must grow: the devices of one
// round stay for the next.
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "descriptor_limit.hpp"
#include "memory_usage.hpp"
#include "scheduler_cli.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"
#include "thread_usage.hpp"

namespace {

using namespace door::test;
using Clock = std::chrono::steady_clock;

enum class Devices { agent_processes, agents_in_one_process, echo };

struct Device {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<AgentProcess> agent;  // none when the agent runs in bench/agent_fleet
  Process& process() { return agent->process(); }
};

// A device's agent config: the broker dialect, a state file and a fake door in its own directory.
std::string agent_config(const Broker& broker, const std::string& id, const TempDir& dir) {
  return broker_dialect_config(
      broker.port(), id, "",
      R"("stateFile":")" + dir.file("desired.json") + "\"," + fake_door_section(dir));
}

// Starts devices from..to-1 as agents, and waits until they are online.
bool start_agents(const Broker& broker, const std::vector<std::string>& ids, std::size_t to,
                  std::vector<Device>& devices) {
  for (std::size_t i = devices.size(); i < to; ++i) {
    Device d;
    d.dir = std::make_unique<TempDir>();
    d.agent = std::make_unique<AgentProcess>(agent_config(broker, ids[i], *d.dir));
    devices.push_back(std::move(d));
  }
  for (Device& d : devices) {
    if (!d.agent->wait_online(300s)) {
      std::printf("  a device did not come online:\n%s\n", d.process().output().c_str());
      return false;
    }
  }
  return true;
}

// Agents per agent_fleet process: each holds 7 descriptors, and a process may hold 20,000 on a
// stock Debian system (the hard RLIMIT_NOFILE).
constexpr std::size_t kAgentsPerProcess = 2000;

// Starts devices from..to-1 as agents in more agent_fleet processes, and waits until they are
// online.
bool start_agent_fleet(const Broker& broker, const std::vector<std::string>& ids, std::size_t from,
                       std::size_t to, std::vector<Device>& devices,
                       std::vector<std::unique_ptr<Process>>& simulators) {
  for (std::size_t chunk = from; chunk < to; chunk += kAgentsPerProcess) {
    std::vector<std::string> argv{DOOR_AGENT_FLEET_BINARY};
    for (std::size_t i = chunk; i < std::min(to, chunk + kAgentsPerProcess); ++i) {
      Device d;
      d.dir = std::make_unique<TempDir>();
      argv.push_back(d.dir->write("agent.json", agent_config(broker, ids[i], *d.dir)));
      devices.push_back(std::move(d));
    }
    const std::size_t agents = argv.size() - 1;
    simulators.push_back(std::make_unique<Process>(argv));
    if (!simulators.back()->wait_for_count("online: device", agents, 600s)) {
      std::printf("  the agents did not all come online:\n%s\n",
                  simulators.back()->output().c_str());
      return false;
    }
  }
  return true;
}

// Starts echo devices up to number `to` in one more echo_fleet process.
bool start_echo_devices(const Broker& broker, int from, int to,
                        std::vector<std::unique_ptr<Process>>& simulators) {
  simulators.push_back(std::make_unique<Process>(std::vector<std::string>{
      DOOR_ECHO_FLEET_BINARY, std::to_string(broker.port()), TestPki::shared().file("ca.pem"),
      std::to_string(from + 1), std::to_string(to - from)}));
  if (simulators.back()->wait_for_output("ready", 600s)) return true;
  std::printf("  the echo devices did not come online:\n%s\n", simulators.back()->output().c_str());
  return false;
}

std::string device_id(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "fleet-%05d", i);
  return id;
}

// CPU time of the devices' processes together, in seconds.
double devices_cpu_s(std::vector<Device>& devices,
                     const std::vector<std::unique_ptr<Process>>& simulators) {
  long long ns = 0;
  for (Device& d : devices) ns += d.agent ? cpu_ns(d.process().pid()) : 0;
  for (const auto& p : simulators) ns += cpu_ns(p->pid());
  return static_cast<double>(ns) / 1e9;
}

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const Devices kind = mode == "--echo"          ? Devices::echo
                       : mode == "--one-process" ? Devices::agents_in_one_process
                                                 : Devices::agent_processes;
  std::vector<int> sizes;
  for (int i = kind == Devices::agent_processes ? 1 : 2; i < argc; ++i) {
    sizes.push_back(std::atoi(argv[i]));
  }
  if (sizes.empty()) sizes = {100, 1000};
  door::bench::raise_descriptor_limit();  // the broker and the devices inherit it
  std::vector<std::string> ids;
  for (int i = 1; i <= sizes.back(); ++i) ids.push_back(device_id(i));
  Broker broker("server", Broker::Persistence::none, ids);
  SchedulerCli scheduler(broker);
  std::vector<Device> devices;
  std::vector<std::unique_ptr<Process>> simulators;
  int devices_up = 0;
  bool ok = true;
  std::printf("fleet: one lockDoor job, scheduler in the foreground (--wait); devices: %s\n",
              kind == Devices::echo                    ? "echo_fleet"
              : kind == Devices::agents_in_one_process ? "door-agents in one agent_fleet process"
                                                       : "door-agent processes");
  for (const int size : sizes) {
    const auto start_devices = Clock::now();
    const auto to = static_cast<std::size_t>(size);
    const bool up = kind == Devices::echo ? start_echo_devices(broker, devices_up, size, simulators)
                    : kind == Devices::agents_in_one_process
                        ? start_agent_fleet(broker, ids, devices.size(), to, devices, simulators)
                        : start_agents(broker, ids, to, devices);
    if (!up) return 2;
    devices_up = size;
    const double devices_s = std::chrono::duration<double>(Clock::now() - start_devices).count();
    long devices_rss_kib = 0;
    for (Device& d : devices) {
      if (d.agent) devices_rss_kib += memory_usage(d.process().pid()).rss_kib;
    }
    for (auto& p : simulators) devices_rss_kib += memory_usage(p->pid()).rss_kib;

    const double broker_cpu_before = static_cast<double>(cpu_ns(broker.process().pid())) / 1e9;
    const double devices_cpu_before = devices_cpu_s(devices, simulators);
    const auto launched = Clock::now();
    Process job(scheduler.argv({"schedule", "method", "--query", "SELECT * FROM devices",
                                "--method", "lockDoor", "--timeout", "60", "--wait"}));
    if (!job.wait_for_output(" running: ", 120s)) {
      std::printf("  the job did not start:\n%s\n", job.output().c_str());
      return 2;
    }
    const auto started = Clock::now();
    const auto status = job.wait_exit(600s);
    const auto ended = Clock::now();
    const double broker_cpu =
        static_cast<double>(cpu_ns(broker.process().pid())) / 1e9 - broker_cpu_before;
    const double devices_cpu = devices_cpu_s(devices, simulators) - devices_cpu_before;
    const auto usage = job.resource_usage();
    const bool all_ok = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
    ok = ok && all_ok && usage;
    const std::string output = job.output();
    const auto last_line = output.rfind('\n', output.size() - 2);
    std::printf("%6d devices (started in %.1f s, %.0f MB RSS in all):\n", size, devices_s,
                static_cast<double>(devices_rss_kib) / 1024);
    std::printf("         job start to all results %8.3f s (scheduler start to job start %.3f s)\n",
                std::chrono::duration<double>(ended - started).count(),
                std::chrono::duration<double>(started - launched).count());
    if (usage) {
      std::printf("         scheduler CPU %.3f s (user %.3f, system %.3f), peak RSS %.1f MB\n",
                  seconds(usage->ru_utime) + seconds(usage->ru_stime), seconds(usage->ru_utime),
                  seconds(usage->ru_stime), static_cast<double>(usage->ru_maxrss) / 1024);
    }
    std::printf("         from scheduler start to exit: broker CPU %.3f s, devices' CPU %.3f s\n",
                broker_cpu, devices_cpu);
    std::printf("         %s: %s", all_ok ? "all succeeded" : "NOT ALL SUCCEEDED",
                last_line == std::string::npos ? output.c_str() : output.c_str() + last_line + 1);
    std::fflush(stdout);
  }
  return ok ? 0 : 1;
}
