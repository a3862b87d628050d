#include "agent/connection_string.hpp"

#include <cstdint>

#include "port/crypto.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

namespace {

bool set_once(std::string& field, std::string_view value, std::string_view key,
              std::string& error) {
  if (!field.empty()) {
    error = "connection string: " + std::string(key) + " appears more than once";
    return false;
  }
  if (value.empty()) {
    error = "connection string: " + std::string(key) + " is empty";
    return false;
  }
  field = std::string(value);
  return true;
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
  uint8_t decoded[128];
  std::size_t n = 0;
  return port::base64_decode(key, decoded, sizeof decoded, &n) && n > 0;
}

}  // namespace

bool parse_connection_string(std::string_view text, ConnectionString& out, std::string& error) {
  out = ConnectionString{};
  bool x509_seen = false;
  while (!text.empty()) {
    const auto semi = text.find(';');
    const std::string_view part = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');  // values (base64 keys) may themselves contain '='
    if (eq == std::string_view::npos || eq == 0) {
      error = "connection string: expected Key=Value segments separated by ';'";
      return false;
    }
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    bool ok = true;
    if (key == "HostName") {
      ok = set_once(out.host_name, value, key, error);
    } else if (key == "DeviceId") {
      ok = set_once(out.device_id, value, key, error);
    } else if (key == "SharedAccessKey") {
      ok = set_once(out.shared_access_key, value, key, error);
    } else if (key == "SharedAccessSignature") {
      ok = set_once(out.shared_access_signature, value, key, error);
    } else if (key == "GatewayHostName") {
      ok = set_once(out.gateway_host_name, value, key, error);
    } else if (key == "x509") {
      if (x509_seen || value != "true") {
        error = "connection string: x509 must appear once, as x509=true";
        return false;
      }
      x509_seen = out.x509 = true;
    } else if (key == "ModuleId") {
      error =
          "connection string: module identities (ModuleId) are not supported; use the device's "
          "own connection string";
      return false;
    } else if (key == "SharedAccessKeyName") {
      error =
          "connection string: this is a hub policy (SharedAccessKeyName), not a device "
          "connection string";
      return false;
    } else {
      error = printable(key) ? "connection string: unknown key '" + std::string(key) + "'"
                             : std::string("connection string: unknown key (not printable text)");
      return false;
    }
    if (!ok) return false;
  }

  if (out.host_name.empty() || out.device_id.empty()) {
    error = "connection string: HostName and DeviceId are required";
    return false;
  }
  if (!valid_host_name(out.host_name) ||
      (!out.gateway_host_name.empty() && !valid_host_name(out.gateway_host_name))) {
    error =
        "connection string: HostName and GatewayHostName are host names: letters, digits, - and ., "
        "at most 253";
    return false;
  }
  if (!protocol::valid_device_id(out.device_id)) {
    error =
        "connection string: DeviceId has characters other than letters, digits and -._:@, or "
        "is longer than 128";
    return false;
  }
  const int credentials =
      !out.shared_access_key.empty() + !out.shared_access_signature.empty() + out.x509;
  if (credentials != 1) {
    error =
        "connection string: give exactly one of SharedAccessKey, SharedAccessSignature or "
        "x509=true";
    return false;
  }
  if (!out.shared_access_key.empty() && !valid_base64_key(out.shared_access_key)) {
    error = "connection string: SharedAccessKey is not valid base64";
    return false;
  }
  return true;
}

}  // namespace door::agent
