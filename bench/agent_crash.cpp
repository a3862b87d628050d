// Crash safety of the whole agent: the real door-agent (broker dialect, fake GPIO, a fail-secure
// strike) takes a stream of desired documents, timed releases and timed locks, and is killed with
// SIGKILL at a random moment; then it is started again. After every kill: the state file and its
// last good copy are whole and their version never goes back; every start requests the lock line
// at its locked level (the failMode state); the lock was never released more often than releases
// were asked for. Usage: agent_crash [rounds] (1000). Exit status 1 when any check failed.
#include <cjson/cJSON.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "agent_process.hpp"
#include "broker.hpp"
#include "mqtt_client.hpp"
#include "temp_dir.hpp"

namespace {

using namespace door::test;
using Clock = std::chrono::steady_clock;

// The applied version in a state file, 0 when absent, -1 when the file is not whole JSON.
long long state_version(const std::string& path) {
  std::ifstream in(path);
  if (!in) return 0;
  std::stringstream text;
  text << in.rdbuf();
  cJSON* root = cJSON_Parse(text.str().c_str());
  const cJSON* version = cJSON_GetObjectItemCaseSensitive(root, "$version");
  const long long v = cJSON_IsNumber(version) ? static_cast<long long>(version->valuedouble) : -1;
  cJSON_Delete(root);
  return v;
}

// The lock line's entries ("request 0", "set 1", ...) written since offset; moves offset on.
std::vector<std::string> lock_entries(const std::string& path, std::streamoff& offset) {
  std::ifstream in(path);
  in.seekg(offset);
  std::vector<std::string> out;
  std::string stamp, line, what, level;
  while (in >> stamp >> line >> what >> level) {
    if (line == "LOCK") out.push_back(what + " " + level);
  }
  in.clear();
  in.seekg(0, std::ios::end);
  offset = in.tellg();
  return out;
}

struct Tally {
  int rounds = 0;
  int killed_released = 0;  // the last output state before the kill was "released"
  int killed_writing = 0;   // a temporary state file was left: killed while saving
  int state_broken = 0;
  int prev_broken = 0;
  int version_regressed = 0;
  int start_not_locked = 0;
  int unasked_releases = 0;
  long long releases = 0;
  long long desired_sent = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 1000;
  Broker broker;
  TempDir dir;
  const std::string state = dir.file("desired.json");
  const std::string transitions = dir.file("transitions.log");
  const std::string config = broker_dialect_config(
      broker.port(), "door-1", "", R"("stateFile":")" + state + "\"," + fake_door_section(dir));
  MqttClient service(scheduler_options(broker));
  if (!service.connect().empty()) return 2;

  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> kill_after_us(0, 300000);
  std::uniform_int_distribution<int> pick(0, 9);
  Tally t;
  long long version = 0;
  long long last_seen_version = 0;
  std::streamoff log_offset = 0;
  const auto started = Clock::now();
  for (int round = 0; round < rounds; ++round) {
    AgentProcess agent(config);
    if (!agent.wait_online(20s)) {
      std::fprintf(stderr, "round %d: the agent did not come online:\n%s\n", round,
                   agent.process().output().c_str());
      return 2;
    }
    // A stream of requests until the kill, which comes at a random moment.
    const auto kill_at = Clock::now() + std::chrono::microseconds(kill_after_us(random));
    int releases_asked = 0;
    for (int n = 0; Clock::now() < kill_at; ++n) {
      const int what = pick(random);
      if (what < 6) {
        ++version;
        ++t.desired_sent;
        service.publish("devices/door-1/twin/desired",
                        R"({"$version":)" + std::to_string(version) + R"(,"building":)" +
                            std::to_string(version % 1000) + R"(,"note":")" +
                            std::string(200, static_cast<char>('a' + version % 26)) + "\"}",
                        0, true);
      } else if (what < 8) {
        ++releases_asked;
        service.publish("devices/door-1/methods/POST/unlockDoor/?$rid=u" + std::to_string(n),
                        R"({"unlockTime":"1s"})", 0);
      } else {
        service.publish("devices/door-1/methods/POST/lockDoor/?$rid=l" + std::to_string(n),
                        R"({"lockTime":"2s"})", 0);
      }
      std::this_thread::sleep_for(2ms);  // a busy but plausible rate: 500 requests a second
    }
    agent.process().signal(SIGKILL);
    agent.process().wait_exit(10s);
    // The broker handles a client's packets in order: once it acknowledges this, it has handled
    // every request above, so none reaches the next round's agent and is counted as unasked there.
    if (!service.publish("devices/door-1/crash-test/round-end", "", 1)) {
      std::fprintf(stderr, "round %d: the broker did not acknowledge the round's end\n", round);
      return 2;
    }
    ++t.rounds;

    if (unlink((state + ".tmp").c_str()) == 0) ++t.killed_writing;
    const long long now = state_version(state);
    const long long prev = state_version(state + ".prev");
    if (now < 0) ++t.state_broken;
    if (prev < 0) ++t.prev_broken;
    if (now >= 0 && now < last_seen_version) ++t.version_regressed;
    if (now > last_seen_version) last_seen_version = now;

    const std::vector<std::string> entries = lock_entries(transitions, log_offset);
    if (entries.empty() || entries.front() != "request 0") ++t.start_not_locked;
    int releases = 0;
    for (const std::string& e : entries) releases += e == "set 1";
    t.releases += releases;
    if (releases > releases_asked) ++t.unasked_releases;
    if (!entries.empty() && (entries.back() == "set 1")) ++t.killed_released;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("agent crash test: %d rounds of kill -9 in %.1f s\n", t.rounds, seconds);
  std::printf("  desired documents sent:                     %lld (last applied version %lld)\n",
              t.desired_sent, last_seen_version);
  std::printf("  rounds killed while saving the state file:  %d\n", t.killed_writing);
  std::printf("  lock releases driven (fake GPIO log):       %lld\n", t.releases);
  std::printf("  rounds killed while the lock was released:  %d\n", t.killed_released);
  std::printf("  state file broken:                          %d\n", t.state_broken);
  std::printf("  last good copy (.prev) broken:              %d\n", t.prev_broken);
  std::printf("  applied version went back:                  %d\n", t.version_regressed);
  std::printf("  starts not requesting the lock locked:      %d\n", t.start_not_locked);
  std::printf("  rounds with more releases than asked for:   %d\n", t.unasked_releases);
  const bool ok = t.state_broken == 0 && t.prev_broken == 0 && t.version_regressed == 0 &&
                  t.start_not_locked == 0 && t.unasked_releases == 0;
  return ok ? 0 : 1;
}
