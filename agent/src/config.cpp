#include "agent/config.hpp"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <mbedtls/version.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/capacities.hpp"
#include "agent/connection_string.hpp"
#include "port/file.hpp"
#include "port/text_writer.hpp"
#include "protocol/json_document.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

namespace {

using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

// Text from the file as a problem shows it: quotes, backslashes and control characters escaped as
// in JSON, so every problem stays on one line.
std::string shown(std::string_view text) {
  std::string out(text.size() * 6 + 1, '\0');  // \u00XX is the longest escape
  port::TextWriter writer(out.data(), out.size());
  writer.add_json_escaped(text);
  out.resize(writer.size());
  return out;
}

// Collects every problem, each with the file name and the JSON path of the offending member; the
// first one is the error a failed start reports.
class Reader {
 public:
  Reader(const std::string& path, std::vector<std::string>* all) : path_(path), all_(all) {}

  bool fail(const std::string& where, const std::string& what) {
    const std::string problem = path_ + ": " + where + ": " + what;
    if (first_.empty()) first_ = problem;
    if (all_ != nullptr) all_->push_back(problem);
    return false;
  }

  // The first problem, the one a failed start reports.
  port::Status refusal() const {
    return port::Status::failure(port::Status::Code::invalid, "%s", first_.c_str());
  }

  bool only_keys(const cJSON* object, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
    bool ok = true;
    for (const cJSON* item = object->child; item != nullptr; item = item->next) {
      for (const cJSON* earlier = object->child; earlier != item; earlier = earlier->next) {
        if (std::string_view(earlier->string) == item->string) {
          ok = fail(where, "key \"" + shown(item->string) + "\" appears twice");
        }
      }
      bool known = false;
      for (auto key : allowed) known = known || key == item->string;
      if (!known) ok = fail(where, "unknown key \"" + shown(item->string) + "\"");
    }
    return ok;
  }

  bool string(const cJSON* object, const char* key, const std::string& where, std::string& out) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == nullptr) return true;
    if (!cJSON_IsString(item)) return fail(where + "." + key, "must be a string");
    out = item->valuestring;
    return true;
  }

  bool integer(const cJSON* object, const char* key, const std::string& where, int min, int max,
               int& out) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == nullptr) return true;
    const double v = cJSON_IsNumber(item) ? item->valuedouble : min - 1.0;
    // The range comes first: converting a double outside the int range is undefined behaviour.
    if (!(v >= min && v <= max) || v != static_cast<double>(static_cast<int>(v))) {
      return fail(where + "." + key, "must be a whole number from " + std::to_string(min) + " to " +
                                         std::to_string(max));
    }
    out = static_cast<int>(v);
    return true;
  }

  // A string that must be one of names; out gets its index.
  bool choice(const cJSON* object, const char* key, const std::string& where,
              std::initializer_list<std::string_view> names, int& out) {
    std::string value;
    if (!string(object, key, where, value)) return false;
    if (cJSON_GetObjectItemCaseSensitive(object, key) == nullptr) return true;
    int i = 0;
    std::string list;
    for (auto name : names) {
      if (value == name) {
        out = i;
        return true;
      }
      list += (i++ == 0 ? "\"" : ", \"") + std::string(name) + "\"";
    }
    return fail(where + "." + key, "use one of " + list);
  }

  bool boolean(const cJSON* object, const char* key, const std::string& where, bool& out) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == nullptr) return true;
    if (!cJSON_IsBool(item)) return fail(where + "." + key, "must be true or false");
    out = cJSON_IsTrue(item);
    return true;
  }

 private:
  const std::string& path_;
  std::string first_;
  std::vector<std::string>* all_;
};

// True when every check passed. The checks are the list's elements, so each of them runs (in order)
// and every problem is named, not only the first.
bool all_passed(std::initializer_list<bool> checks) {
  for (const bool passed : checks) {
    if (!passed) return false;
  }
  return true;
}

// Empty when the file can be read, else the reason as strerror(3) gives it.
std::string unreadable_reason(const std::string& file) {
  return access(file.c_str(), R_OK) == 0 ? std::string() : std::strerror(errno);
}

// inet_aton, as the resolver: it also takes the short forms such as 127.1.
bool is_ip_address(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return inet_aton(host.c_str(), &v4) != 0 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// "line L, column C" (both from 1) of a byte offset in text: what an editor shows.
std::string line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column =
      offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

bool apply_connection_string(Reader& r, const std::string& text, ConnectionSettings& c) {
  const port::Result<ConnectionString> parsed = parse_connection_string(text);
  if (!parsed.is_ok()) return r.fail("connection.connectionString", parsed.status().reason());
  const ConnectionString& cs = parsed.value();
  c.hub_host_name = cs.host_name;
  c.host = cs.gateway_host_name.empty() ? cs.host_name : cs.gateway_host_name;
  c.device_id = cs.device_id;
  c.shared_access_key = cs.shared_access_key;
  c.shared_access_signature = cs.shared_access_signature;
  if (cs.x509 && (c.client_cert_file.empty() || c.client_key_file.empty())) {
    return r.fail("connection", "x509=true needs clientCertFile and clientKeyFile");
  }
  return true;
}

bool read_connection(Reader& r, const cJSON* conn, HubDialect hub, ConnectionSettings& c) {
  const std::string w = "connection";
  std::string connection_string;
  int reconnect_max_seconds = c.reconnect_max_ms / 1000;
  // IoT Hub drops a client after 1.5 x its keep-alive, capped at 1767 s: keep it <= 1177 s.
  if (!all_passed(
          {r.only_keys(conn, w,
                       {"connectionString", "host", "port", "deviceId", "username", "password",
                        "caFile", "clientCertFile", "clientKeyFile", "verifyServer",
                        "keepAliveSeconds", "sasTokenSeconds", "reconnectMaxSeconds"}),
           r.string(conn, "connectionString", w, connection_string),
           r.string(conn, "host", w, c.host), r.integer(conn, "port", w, 1, 65535, c.port),
           r.string(conn, "deviceId", w, c.device_id), r.string(conn, "username", w, c.username),
           r.string(conn, "password", w, c.password), r.string(conn, "caFile", w, c.ca_file),
           r.string(conn, "clientCertFile", w, c.client_cert_file),
           r.string(conn, "clientKeyFile", w, c.client_key_file),
           r.boolean(conn, "verifyServer", w, c.verify_server),
           r.integer(conn, "keepAliveSeconds", w, 5, 1177, c.keep_alive_seconds),
           r.integer(conn, "sasTokenSeconds", w, 2, 86400 * 365, c.sas_token_seconds),
           r.integer(conn, "reconnectMaxSeconds", w, 1, 3600, reconnect_max_seconds)})) {
    return false;
  }
  c.reconnect_max_ms = reconnect_max_seconds * 1000;
  if (c.reconnect_min_ms > c.reconnect_max_ms) c.reconnect_min_ms = c.reconnect_max_ms;

  if (hub == HubDialect::azure) {
    if (connection_string.empty()) {
      return r.fail(w, "the azure hub needs connectionString (HostName=...;DeviceId=...;...)");
    }
    if (!c.device_id.empty() || !c.username.empty() || !c.password.empty()) {
      return r.fail(w, "with the azure hub, deviceId and credentials come from connectionString");
    }
    // HostName (or GatewayHostName) in the connection string is where the agent connects.
    if (!c.host.empty()) {
      return r.fail(w + ".host",
                    "not for the azure hub: the connection string's HostName says "
                    "where to connect (GatewayHostName for a gateway)");
    }
    if (!apply_connection_string(r, connection_string, c)) return false;
  } else {
    if (!connection_string.empty()) return r.fail(w, "connectionString is for the azure hub only");
    if (c.host.empty()) return r.fail(w, "host is required");
    if (!protocol::valid_device_id(c.device_id)) {
      return r.fail(w + ".deviceId", "required: 1 to 128 letters, digits or -._:@");
    }
    if (c.username.empty()) c.username = c.device_id;
    const bool has_cert = !c.client_cert_file.empty();
    if (c.password.empty() && !has_cert) {
      return r.fail(w, "give a password or clientCertFile and clientKeyFile");
    }
  }
  if (c.client_cert_file.empty() != c.client_key_file.empty()) {
    return r.fail(w, "clientCertFile and clientKeyFile go together");
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"caFile", &c.ca_file},
      {"clientCertFile", &c.client_cert_file},
      {"clientKeyFile", &c.client_key_file}};
  for (const auto& [member, file] : files) {
    if (file->empty()) continue;
    const std::string why = unreadable_reason(*file);
    if (!why.empty()) return r.fail(w + "." + member, "cannot read " + shown(*file) + ": " + why);
  }
#if MBEDTLS_VERSION_NUMBER < 0x03050000
  // mbedtls matches the host only against the certificate's DNS names before 3.5: a connection by
  // IP address would fail its verification every time.
  if (c.verify_server && is_ip_address(c.host)) {
    return r.fail(w + (hub == HubDialect::azure ? ".connectionString" : ".host"),
                  shown(c.host) + " is an IP address, which this agent's TLS library (mbedtls " +
                      MBEDTLS_VERSION_STRING +
                      ") cannot match to the server's certificate: give a DNS name the "
                      "certificate carries (add it to /etc/hosts if no DNS serves it)");
  }
#endif
  return true;
}

bool read_line(Reader& r, const cJSON* door, const char* key, bool input, LineSettings& out) {
  const cJSON* item = cJSON_GetObjectItemCaseSensitive(door, key);
  if (item == nullptr) return true;
  const std::string w = std::string("door.") + key;
  if (!cJSON_IsObject(item)) return r.fail(w, "must be an object");
  int bias = 0;
  int debounce_ms = 0;
  if (!all_passed({(input ? r.only_keys(item, w, {"line", "activeLow", "bias", "debounceMs"})
                          : r.only_keys(item, w, {"line", "activeLow", "energizedMeans"})),
                   r.string(item, "line", w, out.spec.line),
                   r.boolean(item, "activeLow", w, out.spec.active_low),
                   r.choice(item, "bias", w, {"as-is", "pull-up", "pull-down", "disabled"}, bias),
                   r.integer(item, "debounceMs", w, 0, 1000, debounce_ms)})) {
    return false;
  }
  if (out.spec.line.empty())
    return r.fail(w + ".line", "required: a line name such as GPIO17, or its offset");
  out.spec.bias = static_cast<hal::Bias>(bias);
  out.spec.debounce_us = static_cast<uint32_t>(debounce_ms) * 1000;
  return true;
}

bool read_door(Reader& r, const cJSON* door, DoorSettings& d) {
  const std::string w = "door";
  if (!cJSON_IsObject(door)) return r.fail(w, "must be an object");
  d.configured = true;
  int gpio = 0;
  int fail_mode = 0;
  int default_state = 0;
  int energized = 0;
  hal::LockSettings& ls = d.lock_settings;
  int close_wait_seconds = static_cast<int>(ls.close_wait_ms / 1000);
  int held_open_seconds = static_cast<int>(ls.alarms.held_open_ms / 1000);
  int forced_open_grace_seconds = static_cast<int>(ls.alarms.forced_open_grace_ms / 1000);
  if (!all_passed(
          {r.only_keys(
               door, w,
               {"gpio", "chip", "lock", "feedback", "doorContact", "failMode", "defaultState",
                "refuseLockWhenOpen", "feedbackTimeoutMs", "strikeTimeSeconds", "closeWaitSeconds",
                "heldOpenSeconds", "forcedOpenGraceSeconds", "fake"}),
           r.choice(door, "gpio", w, {"chardev", "fake"}, gpio), r.string(door, "chip", w, d.chip),
           read_line(r, door, "lock", false, d.lock),
           read_line(r, door, "feedback", true, d.feedback),
           read_line(r, door, "doorContact", true, d.contact),
           r.choice(door, "failMode", w, {"secure", "safe"}, fail_mode),
           r.choice(door, "defaultState", w, {"locked", "unlocked"}, default_state),
           r.boolean(door, "refuseLockWhenOpen", w, ls.refuse_lock_when_open),
           r.integer(door, "feedbackTimeoutMs", w, 10, 60000, ls.feedback_timeout_ms),
           r.integer(door, "closeWaitSeconds", w, 1, 3600, close_wait_seconds),
           r.integer(door, "strikeTimeSeconds", w, 1, 86400, d.strike_time_seconds),
           r.integer(door, "heldOpenSeconds", w, 1, 86400, held_open_seconds),
           r.integer(door, "forcedOpenGraceSeconds", w, 0, 60, forced_open_grace_seconds)})) {
    return false;
  }
  if (!d.lock.wired()) return r.fail("door.lock", "required: the line that drives the lock");
  const cJSON* lock = cJSON_GetObjectItemCaseSensitive(door, "lock");
  if (!r.choice(lock, "energizedMeans", "door.lock", {"unlocked", "locked"}, energized))
    return false;
  d.fake_gpio = gpio == 1;
  ls.close_wait_ms = int64_t{close_wait_seconds} * 1000;
  ls.alarms.held_open_ms = int64_t{held_open_seconds} * 1000;
  ls.alarms.forced_open_grace_ms = int64_t{forced_open_grace_seconds} * 1000;
  ls.energized_unlocks = energized == 0;
  ls.fail_mode = fail_mode == 0 ? hal::FailMode::secure : hal::FailMode::safe;
  ls.default_state = default_state == 0 ? hal::LockState::locked : hal::LockState::unlocked;
  // Without the agent (crash, power cut) the output is not driven: only a lock that is locked
  // while unpowered can keep a secure door locked.
  if (ls.fail_mode == hal::FailMode::secure && !ls.energized_unlocks) {
    return r.fail("door.failMode",
                  "\"secure\" needs a lock that is locked without power "
                  "(lock.energizedMeans \"unlocked\", a fail-secure strike); this "
                  "lock opens when power is lost, so use \"safe\"");
  }
  const cJSON* fake = cJSON_GetObjectItemCaseSensitive(door, "fake");
  if (fake != nullptr) {
    if (!d.fake_gpio) return r.fail("door.fake", "only with \"gpio\": \"fake\"");
    if (!cJSON_IsObject(fake)) return r.fail("door.fake", "must be an object");
    const cJSON* failing = cJSON_GetObjectItemCaseSensitive(fake, "failingLines");
    if (!all_passed(
            {r.only_keys(fake, "door.fake",
                         {"control", "transitionLog", "failingLines", "feedbackFollowsLock"}),
             r.string(fake, "control", "door.fake", d.fake_control),
             r.string(fake, "transitionLog", "door.fake", d.fake_transition_log),
             r.boolean(fake, "feedbackFollowsLock", "door.fake", d.fake_feedback_follows_lock)})) {
      return false;
    }
    if (failing != nullptr) {
      if (!cJSON_IsArray(failing)) return r.fail("door.fake.failingLines", "must be an array");
      for (const cJSON* item = failing->child; item != nullptr; item = item->next) {
        if (!cJSON_IsString(item)) return r.fail("door.fake.failingLines", "must hold strings");
        d.fake_failing_lines.emplace_back(item->valuestring);
      }
    }
  }
  return true;
}

}  // namespace

port::Result<AgentConfig> parse_config(const std::string& text, const std::string& path,
                                       std::vector<std::string>* problems) {
  Reader r(path, problems);
  protocol::JsonRefusal refusal;
  JsonPtr root(protocol::parse_json_document(text, &refusal), &cJSON_Delete);
  if (!root && refusal.repeated_member) {
    r.fail("JSON",
           std::string("a member is named twice in one object") +
               (refusal.member[0] != '\0' ? ": \"" + shown(refusal.member) + "\"" : std::string()));
    return r.refusal();
  }
  if (!root) {
    r.fail("JSON", "not valid JSON (near " + line_and_column(text, refusal.offset) + ")");
    return r.refusal();
  }
  if (!cJSON_IsObject(root.get())) {
    r.fail("JSON", "the top level must be an object");
    return r.refusal();
  }
  // Each part is checked even when an earlier one has problems, so every problem is named.
  bool ok = r.only_keys(root.get(), "top level",
                        {"hub", "connection", "logLevel", "door", "stateFile", "runtimeDirectory",
                         "eventJournalCapacity"});
  AgentConfig config;
  std::string hub;
  std::string level;
  ok = r.string(root.get(), "hub", "top level", hub) & ok;
  ok = r.string(root.get(), "stateFile", "top level", config.state_file) & ok;
  ok = r.string(root.get(), "runtimeDirectory", "top level", config.runtime_directory) & ok;
  ok = r.string(root.get(), "logLevel", "top level", level) & ok;
  ok = r.integer(root.get(), "eventJournalCapacity", "top level",
                 static_cast<int>(kMinJournalEvents), static_cast<int>(kMaxJournalEvents),
                 config.event_journal_capacity) &
       ok;
  if (hub == "azure") {
    config.connection.hub = HubDialect::azure;
  } else if (hub == "mqtt") {
    config.connection.hub = HubDialect::mqtt;
  } else {
    ok = r.fail("hub", hub.empty()
                           ? "required: \"azure\" or \"mqtt\""
                           : "unknown hub \"" + shown(hub) + "\" (use \"azure\" or \"mqtt\")");
  }
  if (!level.empty()) {
    const port::Result<port::Level> parsed = port::parse_log_level(level.c_str());
    if (parsed.is_ok()) {
      config.log_level = parsed.value();
    } else {
      ok = r.fail("logLevel", "use error, warning, notice, info or debug");
    }
  }
  const cJSON* conn = cJSON_GetObjectItemCaseSensitive(root.get(), "connection");
  if (!cJSON_IsObject(conn)) {
    ok = r.fail("connection", "required, an object");
  } else {
    ok = read_connection(r, conn, config.connection.hub, config.connection) && ok;
  }
  const cJSON* door = cJSON_GetObjectItemCaseSensitive(root.get(), "door");
  if (door != nullptr) ok = read_door(r, door, config.door) && ok;
  if (!ok) return r.refusal();
  return config;
}

port::Result<AgentConfig> load_config(const std::string& path, std::vector<std::string>* problems) {
  const port::Result<std::string> text = port::read_small_file(path, kMaxConfigFileBytes);
  if (!text.is_ok()) {
    if (problems != nullptr) problems->push_back(text.status().reason());
    return text.status();
  }
  return parse_config(text.value(), path, problems);
}

}  // namespace door::agent
