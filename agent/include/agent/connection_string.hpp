#pragma once
// An IoT Hub device connection string:
//   HostName=<hub>.azure-devices.net;DeviceId=<id>;SharedAccessKey=<base64>
// or with SharedAccessSignature=<token> or x509=true instead of the key, and optionally
// GatewayHostName=<edge gateway> to connect through an IoT Edge gateway.
#include <string>
#include <string_view>

namespace door::agent {

struct ConnectionString {
  std::string host_name;
  std::string device_id;
  std::string shared_access_key;
  std::string shared_access_signature;
  std::string gateway_host_name;
  bool x509 = false;
};

// On failure returns false with a one-line reason in error. Secrets are never copied into error.
[[nodiscard]] bool parse_connection_string(std::string_view text, ConnectionString& out,
                                           std::string& error);

}  // namespace door::agent
