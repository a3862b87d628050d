#include "agent/config.hpp"

#include <cjson/cJSON.h>
#include <unistd.h>

#include <initializer_list>
#include <memory>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/connection_string.hpp"
#include "port/file.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

namespace {

using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

// Collects the first error with the file name and the JSON path of the offending member.
class Reader {
 public:
  Reader(const std::string& path, std::string& error) : path_(path), error_(error) {}

  bool fail(const std::string& where, const std::string& what) {
    if (error_.empty()) error_ = path_ + ": " + where + ": " + what;
    return false;
  }

  bool only_keys(const cJSON* object, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
    for (const cJSON* item = object->child; item != nullptr; item = item->next) {
      bool known = false;
      for (auto key : allowed) known = known || key == item->string;
      if (!known) return fail(where, std::string("unknown key \"") + item->string + "\"");
    }
    return true;
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
    const double v = cJSON_IsNumber(item) ? item->valuedouble : -1e300;
    if (v != static_cast<double>(static_cast<long long>(v)) || v < min || v > max) {
      return fail(where + "." + key, "must be a whole number from " + std::to_string(min) + " to " +
                                         std::to_string(max));
    }
    out = static_cast<int>(v);
    return true;
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
  std::string& error_;
};

bool readable(const std::string& file) {
  return access(file.c_str(), R_OK) == 0;
}

bool apply_connection_string(Reader& r, const std::string& text, ConnectionSettings& c) {
  ConnectionString cs;
  std::string why;
  if (!parse_connection_string(text, cs, why)) return r.fail("connection.connectionString", why);
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
  if (!r.only_keys(conn, w,
                   {"connectionString", "host", "port", "deviceId", "username", "password",
                    "caFile", "clientCertFile", "clientKeyFile", "verifyServer", "keepAliveSeconds",
                    "sasTokenSeconds", "reconnectMaxSeconds"}) ||
      !r.string(conn, "connectionString", w, connection_string) ||
      !r.string(conn, "host", w, c.host) || !r.integer(conn, "port", w, 1, 65535, c.port) ||
      !r.string(conn, "deviceId", w, c.device_id) || !r.string(conn, "username", w, c.username) ||
      !r.string(conn, "password", w, c.password) || !r.string(conn, "caFile", w, c.ca_file) ||
      !r.string(conn, "clientCertFile", w, c.client_cert_file) ||
      !r.string(conn, "clientKeyFile", w, c.client_key_file) ||
      !r.boolean(conn, "verifyServer", w, c.verify_server) ||
      // IoT Hub drops a client after 1.5 x its keep-alive, capped at 1767 s: keep it <= 1177 s.
      !r.integer(conn, "keepAliveSeconds", w, 5, 1177, c.keep_alive_seconds) ||
      !r.integer(conn, "sasTokenSeconds", w, 2, 86400 * 365, c.sas_token_seconds) ||
      !r.integer(conn, "reconnectMaxSeconds", w, 1, 3600, reconnect_max_seconds)) {
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
  for (const auto* file : {&c.ca_file, &c.client_cert_file, &c.client_key_file}) {
    if (!file->empty() && !readable(*file)) return r.fail(w, "cannot read " + *file);
  }
  return true;
}

}  // namespace

bool parse_config(const std::string& text, const std::string& path, AgentConfig& out,
                  std::string& error) {
  error.clear();
  Reader r(path, error);
  JsonPtr root(cJSON_ParseWithLength(text.data(), text.size()), &cJSON_Delete);
  if (!root) {
    const char* at = cJSON_GetErrorPtr();
    const std::size_t offset = at != nullptr && at >= text.data() ? at - text.data() : 0;
    return r.fail("JSON", "not valid JSON (near byte " + std::to_string(offset) + ")");
  }
  if (!cJSON_IsObject(root.get())) return r.fail("JSON", "the top level must be an object");
  if (!r.only_keys(root.get(), "top level", {"hub", "connection", "logLevel"})) return false;

  AgentConfig config;
  std::string hub;
  std::string level;
  if (!r.string(root.get(), "hub", "top level", hub) ||
      !r.string(root.get(), "logLevel", "top level", level)) {
    return false;
  }
  if (hub == "azure") {
    config.connection.hub = HubDialect::azure;
  } else if (hub == "mqtt") {
    config.connection.hub = HubDialect::mqtt;
  } else {
    return r.fail("hub", hub.empty() ? "required: \"azure\" or \"mqtt\""
                                     : "unknown hub \"" + hub + "\" (use \"azure\" or \"mqtt\")");
  }
  if (!level.empty() && !port::parse_log_level(level.c_str(), config.log_level)) {
    return r.fail("logLevel", "use error, warning, notice, info or debug");
  }
  const cJSON* conn = cJSON_GetObjectItemCaseSensitive(root.get(), "connection");
  if (!cJSON_IsObject(conn)) return r.fail("connection", "required, an object");
  if (!read_connection(r, conn, config.connection.hub, config.connection)) return false;
  out = std::move(config);
  return true;
}

bool load_config(const std::string& path, AgentConfig& out, std::string& error) {
  std::string text;
  if (!port::read_small_file(path, kMaxConfigFileBytes, text, error)) return false;
  return parse_config(text, path, out, error);
}

}  // namespace door::agent
