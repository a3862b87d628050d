// libFuzzer target for the agent's config loader: the input is the config file's text. A refused
// config names every problem on one line each, the first being the error; an accepted one holds
// what the agent relies on at start (a valid device id, a host, one way to authenticate, values in
// their ranges, a lock line for a door).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/config.hpp"
#include "fuzz_support.hpp"
#include "protocol/topics.hpp"

namespace door::agent {
namespace {

using fuzz::require;

constexpr const char* kPath = "/etc/door-agent/config.json";

// The error is the first problem, cut as a status's reason is when it is longer.
bool is_first(const std::string& error, const std::vector<std::string>& problems) {
  if (problems.empty()) return false;
  const std::string& first = problems.front();
  if (error == first) return true;
  const std::size_t kept = port::kStatusReasonBytes - 1 - 3;
  return error.size() == port::kStatusReasonBytes - 1 && first.size() > error.size() &&
         error.compare(0, kept, first, 0, kept) == 0 && error.compare(kept, 3, "...") == 0;
}

void check_refusal(const std::string& error, const std::vector<std::string>& problems) {
  require(is_first(error, problems));
  for (const std::string& problem : problems) {
    require(problem.rfind(std::string(kPath) + ": ", 0) == 0 && fuzz::one_line(problem));
  }
}

void check_connection(const ConnectionSettings& c) {
  require(!c.host.empty() && protocol::valid_device_id(c.device_id));
  require(c.port >= 1 && c.port <= 65535);
  require(c.keep_alive_seconds >= 5 && c.keep_alive_seconds <= 1177);
  require(c.sas_token_seconds >= 2);
  require(c.reconnect_min_ms >= 1 && c.reconnect_min_ms <= c.reconnect_max_ms &&
          c.reconnect_max_ms <= 3600 * 1000);
  require(c.client_cert_file.empty() == c.client_key_file.empty());
  const bool certificate = !c.client_cert_file.empty();
  if (c.hub == HubDialect::azure) {
    require(!c.hub_host_name.empty());
    const int credentials = !c.shared_access_key.empty() + !c.shared_access_signature.empty();
    require(credentials == 1 || (credentials == 0 && certificate));
  } else {
    require(!c.username.empty() && (!c.password.empty() || certificate));
  }
}

void check_door(const DoorSettings& d) {
  if (!d.configured) return;
  require(d.lock.wired());
  const hal::LockSettings& ls = d.lock_settings;
  require(ls.fail_mode == hal::FailMode::safe || ls.energized_unlocks);
  require(ls.feedback_timeout_ms >= 10 && ls.feedback_timeout_ms <= 60000);
  require(d.feedback.spec.debounce_us <= 1000 * 1000 && d.contact.spec.debounce_us <= 1000 * 1000);
  require(d.fake_gpio || (d.fake_control.empty() && d.fake_failing_lines.empty()));
}

void check_config(const std::string& text) {
  std::vector<std::string> problems;
  const port::Result<AgentConfig> parsed = parse_config(text, kPath, &problems);
  if (!parsed.is_ok()) {
    check_refusal(parsed.status().reason(), problems);
    return;
  }
  require(problems.empty());
  const AgentConfig& config = parsed.value();
  check_connection(config.connection);
  check_door(config.door);
}

}  // namespace
}  // namespace door::agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  door::agent::check_config(std::string(door::fuzz::as_text(data, size)));
  return 0;
}
