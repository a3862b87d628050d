#include "agent/connection_string.hpp"

#include <cstdint>

#include "port/crypto.hpp"
#include "port/secret.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

namespace {

port::Status refused(const char* reason) {
  return port::Status::failure(port::Status::Code::invalid, "connection string: %s", reason);
}

port::Status set_once(std::string& field, std::string_view value, std::string_view key) {
  const int key_length = static_cast<int>(key.size());
  if (!field.empty()) {
    return port::Status::failure(port::Status::Code::invalid,
                                 "connection string: %.*s appears more than once", key_length,
                                 key.data());
  }
  if (value.empty()) {
    return port::Status::failure(port::Status::Code::invalid, "connection string: %.*s is empty",
                                 key_length, key.data());
  }
  field = std::string(value);
  return port::Status::ok();
}

// A DNS host name or IPv4 address: the server URI, the user name and the SAS token are made from
// it. At most 253 characters, the DNS limit, also keeps the token within kMaxSasTokenLength.
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Printable ASCII: what a one-line reason may quote from the text.
bool printable(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool valid_base64_key(const std::string& key) {
  port::SecretBytes<128> decoded;
  const port::Result<std::size_t> n = port::base64_decode(key, decoded.bytes, sizeof decoded.bytes);
  return n.is_ok() && n.value() > 0;
}

}  // namespace

port::Result<ConnectionString> parse_connection_string(std::string_view text) {
  ConnectionString out;
  bool x509_seen = false;
  while (!text.empty()) {
    const auto semi = text.find(';');
    const std::string_view part = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');  // values (base64 keys) may themselves contain '='
    if (eq == std::string_view::npos || eq == 0) {
      return refused("expected Key=Value segments separated by ';'");
    }
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    port::Status set;
    if (key == "HostName") {
      set = set_once(out.host_name, value, key);
    } else if (key == "DeviceId") {
      set = set_once(out.device_id, value, key);
    } else if (key == "SharedAccessKey") {
      set = set_once(out.shared_access_key, value, key);
    } else if (key == "SharedAccessSignature") {
      set = set_once(out.shared_access_signature, value, key);
    } else if (key == "GatewayHostName") {
      set = set_once(out.gateway_host_name, value, key);
    } else if (key == "x509") {
      if (x509_seen || value != "true") {
        return refused("x509 must appear once, as x509=true");
      }
      x509_seen = out.x509 = true;
    } else if (key == "ModuleId") {
      return refused(
          "module identities (ModuleId) are not supported; use the device's own connection "
          "string");
    } else if (key == "SharedAccessKeyName") {
      return refused(
          "this is a hub policy (SharedAccessKeyName), not a device "
          "connection string");
    } else {
      if (!printable(key)) return refused("unknown key (not printable text)");
      return port::Status::failure(port::Status::Code::invalid,
                                   "connection string: unknown key '%.*s'",
                                   static_cast<int>(key.size()), key.data());
    }
    if (!set.is_ok()) return set;
  }

  if (out.host_name.empty() || out.device_id.empty()) {
    return refused("HostName and DeviceId are required");
  }
  if (!valid_host_name(out.host_name) ||
      (!out.gateway_host_name.empty() && !valid_host_name(out.gateway_host_name))) {
    return refused(
        "HostName and GatewayHostName are host names: letters, digits, - and ., "
        "at most 253");
  }
  if (!protocol::valid_device_id(out.device_id)) {
    return refused(
        "DeviceId has characters other than letters, digits and -._:@, or "
        "is longer than 128");
  }
  const int credentials =
      !out.shared_access_key.empty() + !out.shared_access_signature.empty() + out.x509;
  if (credentials != 1) {
    return refused(
        "give exactly one of SharedAccessKey, SharedAccessSignature or "
        "x509=true");
  }
  if (!out.shared_access_key.empty() && !valid_base64_key(out.shared_access_key)) {
    return refused("SharedAccessKey is not valid base64");
  }
  return out;
}

}  // namespace door::agent
