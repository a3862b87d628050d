#include "scheduler/hub_connection.hpp"

#include <sstream>

#include "port/crypto.hpp"
#include "port/secret.hpp"
#include "port/text_writer.hpp"

namespace door::scheduler {

namespace {

std::string url_encoded(const std::string& text) {
  std::string out(text.size() * 3 + 1, '\0');
  port::TextWriter writer(out.data(), out.size());
  writer.add_url_encoded(text);
  return std::string(writer.view());
}

}  // namespace

bool parse_hub_connection(const std::string& text, HubConnection& out, std::string& error) {
  out = HubConnection{};
  std::istringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ';')) {
    const auto equals = part.find('=');
    if (part.empty()) continue;
    if (equals == std::string::npos) {
      error =
          "the IoT Hub connection string has a part without '=' (want HostName=...;"
          "SharedAccessKeyName=...;SharedAccessKey=...)";
      return false;
    }
    const std::string name = part.substr(0, equals);
    const std::string value = part.substr(equals + 1);
    if (name == "HostName") {
      out.host = value;
    } else if (name == "SharedAccessKeyName") {
      out.key_name = value;
    } else if (name == "SharedAccessKey") {
      out.key = value;
    } else if (name == "DeviceId") {
      error =
          "the IoT Hub connection string is a device's (DeviceId=); door-scheduler needs a "
          "service policy's (SharedAccessKeyName=service)";
      return false;
    }
  }
  if (out.host.empty() || out.key_name.empty() || out.key.empty()) {
    error = "the IoT Hub connection string lacks HostName, SharedAccessKeyName or SharedAccessKey";
    return false;
  }
  if (service_sas_token(out, 1).empty()) {
    error = "the SharedAccessKey of the IoT Hub connection string is not base64";
    return false;
  }
  return true;
}

std::string service_sas_token(const HubConnection& connection, int64_t expiry) {
  port::SecretBytes<256> key;
  const port::Result<std::size_t> key_len =
      port::base64_decode(connection.key, key.bytes, sizeof key.bytes);
  if (!key_len.is_ok() || key_len.value() == 0) return "";
  const std::string resource = url_encoded(connection.host);
  uint8_t mac[port::kSha256Bytes];
  char signature[64];
  if (!port::hmac_sha256(key.bytes, key_len.value(), resource + "\n" + std::to_string(expiry), mac)
           .is_ok()) {
    return "";
  }
  const port::Result<std::size_t> signature_len =
      port::base64_encode(mac, sizeof mac, signature, sizeof signature);
  if (!signature_len.is_ok()) return "";
  return "SharedAccessSignature sr=" + resource +
         "&sig=" + url_encoded(std::string(signature, signature_len.value())) +
         "&skn=" + url_encoded(connection.key_name) + "&se=" + std::to_string(expiry);
}

}  // namespace door::scheduler
