// Soak: one door-agent (broker dialect, fake GPIO) answers method calls at a steady rate, with a
// desired update every 10 s, for a long time. Prints the calls answered and the agent's memory
// each minute after a one-minute warm-up, then stops the agent cleanly. Built with the asan preset,
// the agent is checked for leaks by LeakSanitizer at that exit; its RSS is printed but not checked,
// as ASan's allocator grows by itself. Built without it, RSS may grow by at most 64 KiB after the
// warm-up. Every call must be answered and the agent must exit 0.
// Usage: soak [seconds] [calls per second] (1800 100).
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent_process.hpp"
#include "broker.hpp"
#include "memory_usage.hpp"
#include "mqtt_client.hpp"
#include "temp_dir.hpp"

namespace {

using namespace door::test;
using Clock = std::chrono::steady_clock;

constexpr auto kWarmUp = 60s;
constexpr long kAllowedGrowthKib = 64;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kLeakCheck = true;  // the agent is built with ASan and LeakSanitizer too
#else
constexpr bool kLeakCheck = false;
#endif

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 1800;
  const int rate = argc > 2 ? std::atoi(argv[2]) : 100;
  Broker broker;
  TempDir dir;
  // No quarantine: freed memory is reused at once, so RSS shows growth, not ASan's bookkeeping.
  AgentProcess agent(broker_dialect_config(broker.port(), "door-1", "",
                                           R"("stateFile":")" + dir.file("desired.json") + "\"," +
                                               fake_door_section(dir)),
                     {"ASAN_OPTIONS=quarantine_size_mb=0:detect_leaks=1"});
  if (!agent.wait_online()) return 2;
  MqttClient service(scheduler_options(broker));
  // QoS 0 both ways: answers wait in socket buffers, not in the broker's small in-flight window,
  // when this driver is slow for a moment.
  if (!service.connect().empty() || !service.subscribe("devices/door-1/methods/res/#", 0)) return 2;

  const char* methods[] = {"getDoorState", "getDoorState", "lockDoor", "unlockDoor", "nope"};
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  const auto interval = std::chrono::microseconds(1000000 / rate);
  auto next_call = start;
  auto next_sample = start + kWarmUp;
  auto next_desired = start;
  long long sent = 0, answered = 0, version = 0, send_failures = 0;
  long baseline_kib = -1, worst_growth_kib = 0;
  std::printf("soak: %d s at %d calls/s; memory after a %lld s warm-up\n", seconds, rate,
              static_cast<long long>(kWarmUp.count()));
  while (Clock::now() < end) {
    const auto now = Clock::now();
    if (now >= next_desired) {
      next_desired += 10s;
      ++version;
      service.publish("devices/door-1/twin/desired",
                      R"({"$version":)" + std::to_string(version) + R"(,"building":)" +
                          std::to_string(version % 100) + "}",
                      0, true);
    }
    if (now >= next_call) {
      next_call += interval;
      send_failures +=
          !service.publish("devices/door-1/methods/POST/" + std::string(methods[sent % 5]) +
                               "/?$rid=" + std::to_string(sent),
                           "", 0);
      ++sent;
    }
    if (now >= next_sample) {
      next_sample += 60s;
      const MemoryUsage m = memory_usage(agent.process().pid());
      if (baseline_kib < 0) baseline_kib = m.rss_kib;
      worst_growth_kib = std::max(worst_growth_kib, m.rss_kib - baseline_kib);
      std::printf("  %5.0f s: %lld calls sent, %lld answered, RSS %ld KiB, private dirty %ld KiB\n",
                  std::chrono::duration<double>(now - start).count(), sent, answered, m.rss_kib,
                  m.private_dirty_kib);
      std::fflush(stdout);
    }
    // Answers arrive meanwhile; wait for them until the next call is due.
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_call - now);
    while (service.receive(std::max(wait, 0ms) + 1ms)) {
      ++answered;
      if (Clock::now() >= next_call) break;
    }
  }
  while (answered < sent && service.receive(5s)) ++answered;

  const MemoryUsage last = memory_usage(agent.process().pid());
  if (baseline_kib >= 0) worst_growth_kib = std::max(worst_growth_kib, last.rss_kib - baseline_kib);
  agent.process().signal(SIGTERM);
  const auto status = agent.process().wait_exit(30s);
  const bool clean_exit = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  const bool leak_report = agent.process().count_output("LeakSanitizer") > 0;
  std::printf(
      "  calls: %lld sent (%lld not taken by the client), %lld answered; desired updates: "
      "%lld\n",
      sent, send_failures, answered, version);
  std::printf("  RSS after warm-up %ld KiB, at the end %ld KiB, largest growth %ld KiB (%s)\n",
              baseline_kib, last.rss_kib, worst_growth_kib,
              kLeakCheck ? "ASan's allocator: not checked" : "limit 64 KiB");
  std::printf("  clean exit: %s; leak check: %s\n", clean_exit ? "yes" : "no",
              !kLeakCheck   ? "needs the asan build"
              : leak_report ? "LEAKS"
                            : "no leaks");
  if (leak_report) std::printf("%s\n", agent.process().output().c_str());
  const bool ok = answered == sent && send_failures == 0 &&
                  (kLeakCheck || worst_growth_kib <= kAllowedGrowthKib) && clean_exit &&
                  !leak_report;
  return ok ? 0 : 1;
}
