// Chaos with the broker: five door-agents take a stream of scheduler jobs (method calls and
// desired-property updates) while the broker (TLS, the shipped ACL, retained messages on disk) is
// stopped and started again at random moments. Afterwards: no agent crashed; every method call has
// a final result in the scheduler (answered, failed or timed out; none left pending); each agent's
// applied desired version equals the retained document's; and after each restart every agent was
// back online within its backoff cap (reconnectMaxSeconds) plus 1 s.
// Usage: chaos [restarts] [method calls] [desired updates] [--no-timing] (20 1000 100). Exit 1
// when a check fails; --no-timing leaves the reconnect time out of that (for the short run in the
// test suite, where timing on a loaded machine proves nothing).
#include <cjson/cJSON.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"
#include "process.hpp"
#include "scheduler_cli.hpp"
#include "temp_dir.hpp"

namespace {

using namespace door::test;
using Clock = std::chrono::steady_clock;

constexpr int kAgents = 5;
constexpr int kBackoffCapSeconds = 2;  // reconnectMaxSeconds in the agents' config

struct Device {
  std::string id;
  TempDir dir;
  std::unique_ptr<AgentProcess> agent;
};

// Job results by device status, from one `schedule ... --wait --json` run.
struct Outcomes {
  int completed = 0;
  int failed = 0;
  int unfinished = 0;   // pending or running: a call the scheduler lost track of
  int not_started = 0;  // the scheduler could not reach the broker; nothing was sent
};

Outcomes outcomes_of(const CliResult& run) {
  Outcomes o;
  const auto brace = run.output.find('{');
  cJSON* job = brace == std::string::npos ? nullptr : cJSON_Parse(run.output.c_str() + brace);
  const cJSON* devices = cJSON_GetObjectItemCaseSensitive(job, "devices");
  if (!cJSON_IsArray(devices)) {
    ++o.not_started;
  } else {
    const cJSON* device = nullptr;
    cJSON_ArrayForEach(device, devices) {
      const cJSON* status = cJSON_GetObjectItemCaseSensitive(device, "status");
      const std::string s = cJSON_IsString(status) ? status->valuestring : "";
      if (s == "completed") {
        ++o.completed;
      } else if (s == "failed") {
        ++o.failed;
      } else {
        ++o.unfinished;
      }
    }
  }
  cJSON_Delete(job);
  return o;
}

long long applied_version(const Device& d) {
  std::ifstream in(d.dir.file("desired.json"));
  std::stringstream text;
  text << in.rdbuf();
  cJSON* root = cJSON_Parse(text.str().c_str());
  const cJSON* v = cJSON_GetObjectItemCaseSensitive(root, "$version");
  const long long version = cJSON_IsNumber(v) ? static_cast<long long>(v->valuedouble) : 0;
  cJSON_Delete(root);
  return version;
}

// The retained desired document's version for each device, as the broker holds it now.
std::vector<long long> retained_versions(Broker& broker, const std::vector<Device>& devices) {
  std::vector<long long> versions(devices.size(), 0);
  MqttClient reader(scheduler_options(broker));
  if (!reader.connect().empty()) return versions;
  reader.subscribe("devices/+/twin/desired");
  while (const auto m = reader.receive(1s)) {
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (m->topic != "devices/" + devices[i].id + "/twin/desired") continue;
      cJSON* doc = cJSON_Parse(m->payload.c_str());
      const cJSON* v = cJSON_GetObjectItemCaseSensitive(doc, "$version");
      if (cJSON_IsNumber(v)) versions[i] = static_cast<long long>(v->valuedouble);
      cJSON_Delete(doc);
    }
  }
  return versions;
}

}  // namespace

int main(int argc, char** argv) {
  const int restarts = argc > 1 ? std::atoi(argv[1]) : 20;
  const int calls_wanted = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int updates_wanted = argc > 3 ? std::atoi(argv[3]) : 100;
  const bool check_timing = !(argc > 4 && std::string(argv[4]) == "--no-timing");

  Broker broker("server", Broker::Persistence::on_disk);
  std::vector<Device> devices(kAgents);
  for (int i = 0; i < kAgents; ++i) {
    Device& d = devices[i];
    d.id = "door-" + std::to_string(i + 1);
    d.agent = std::make_unique<AgentProcess>(broker_dialect_config(
        broker.port(), d.id, "",
        R"("stateFile":")" + d.dir.file("desired.json") + "\"," + fake_door_section(d.dir)));
  }
  for (Device& d : devices) {
    if (!d.agent->wait_online()) {
      std::fprintf(stderr, "%s did not come online\n", d.id.c_str());
      return 2;
    }
  }

  // The stream: method jobs and twin jobs, as a person or a cron job would run them, in a thread
  // of its own (each scheduler run is started and ended there).
  std::atomic<bool> chaos_over{false};
  SchedulerCli cli(broker);
  Outcomes calls, updates;
  int jobs = 0;
  std::thread stream([&] {
    int building = 0;
    while (!chaos_over || calls.completed + calls.failed + calls.unfinished < calls_wanted ||
           updates.completed + updates.failed + updates.unfinished < updates_wanted) {
      const bool twin = jobs % 5 == 4;
      const std::vector<std::string> args =
          twin ? std::vector<std::string>{"schedule",
                                          "twin",
                                          "--query",
                                          "SELECT * FROM devices",
                                          "--patch",
                                          R"({"building":)" + std::to_string(++building) + "}",
                                          "--timeout",
                                          "5",
                                          "--wait",
                                          "--json"}
               : std::vector<std::string>{"schedule",  "method",
                                          "--query",   "SELECT * FROM devices",
                                          "--method",  jobs % 2 == 0 ? "getDoorState" : "lockDoor",
                                          "--timeout", "5",
                                          "--wait",    "--json"};
      const Outcomes o = outcomes_of(cli.run(args));
      Outcomes& into = twin ? updates : calls;
      into.completed += o.completed;
      into.failed += o.failed;
      into.unfinished += o.unfinished;
      into.not_started += o.not_started;
      ++jobs;
    }
  });

  // The chaos, from the main thread (the broker, a child process, lives as long as the thread
  // that started it): restarts at random moments; after each, the time until every agent is back.
  std::vector<double> reconnect_s;
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pause_ms(300, 3000);
  for (int r = 0; r < restarts; ++r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
    std::vector<std::size_t> lines;
    for (Device& d : devices) lines.push_back(d.agent->process().line_count());
    broker.restart();
    const Clock::time_point back = Clock::now();
    double slowest = 0;
    for (std::size_t i = 0; i < devices.size(); ++i) {
      const auto online =
          devices[i].agent->process().wait_for_line("online: device", 60s, lines[i]);
      const double s = std::chrono::duration<double>(Clock::now() - back).count();
      slowest = std::max(slowest, online ? s : 1e9);
    }
    reconnect_s.push_back(slowest);
  }
  chaos_over = true;
  stream.join();

  // Settle: every agent catches up with the retained documents the broker holds.
  const auto versions = retained_versions(broker, devices);
  int crashed = 0, version_mismatch = 0;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    Device& d = devices[i];
    if (!d.agent->process().running()) ++crashed;
    const std::string applied = "version " + std::to_string(versions[i]) + " applied";
    const bool caught_up = versions[i] == 0 || applied_version(d) == versions[i] ||
                           d.agent->process().wait_for_output(applied, 30s);
    if (!caught_up || applied_version(d) != versions[i]) {
      ++version_mismatch;
      std::fprintf(stderr, "%s: applied %lld, retained %lld\n", d.id.c_str(), applied_version(d),
                   versions[i]);
    }
  }
  std::sort(reconnect_s.begin(), reconnect_s.end());
  const double worst = reconnect_s.empty() ? 0 : reconnect_s.back();
  const double median = reconnect_s.empty() ? 0 : reconnect_s[reconnect_s.size() / 2];

  std::printf("chaos: %d agents, %d broker restarts, %d scheduler jobs\n", kAgents,
              static_cast<int>(reconnect_s.size()), jobs);
  std::printf(
      "  method calls: %d answered, %d failed or timed out, %d unfinished; %d jobs could "
      "not reach the broker\n",
      calls.completed, calls.failed, calls.unfinished, calls.not_started);
  std::printf(
      "  desired updates: %d written, %d failed, %d unfinished; %d jobs could not reach "
      "the broker\n",
      updates.completed, updates.failed, updates.unfinished, updates.not_started);
  std::printf("  agents crashed: %d; applied desired version differs from the retained one: %d\n",
              crashed, version_mismatch);
  std::printf("  back online after each restart (slowest agent, s):");
  for (double r : reconnect_s) std::printf(" %.2f", r);
  std::printf("\n");
  std::printf(
      "  back online after a restart (slowest agent): median %.2f s, worst %.2f s "
      "(cap %d s + 1 s)\n",
      median, worst, kBackoffCapSeconds);
  const bool ok = crashed == 0 && calls.unfinished == 0 && updates.unfinished == 0 &&
                  version_mismatch == 0 && (!check_timing || worst <= kBackoffCapSeconds + 1.0) &&
                  calls.completed + calls.failed >= calls_wanted &&
                  updates.completed + updates.failed >= updates_wanted;
  return ok ? 0 : 1;
}
