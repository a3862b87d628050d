#pragma once
// An IoT Hub device connection string:
//   HostName=<hub>.azure-devices.net;DeviceId=<id>;SharedAccessKey=<base64>
// or with SharedAccessSignature=<token> or x509=true instead of the key, and optionally
// GatewayHostName=<edge gateway> to connect through an IoT Edge gateway.
#include <string>
#include <string_view>

#include "port/secret.hpp"
#include "port/status.hpp"

namespace door::agent {

struct ConnectionString {
  std::string host_name;
  std::string device_id;
  port::SecretString shared_access_key;
  port::SecretString shared_access_signature;
  std::string gateway_host_name;
  bool x509 = false;
};

// The parts, or an invalid status with a one-line reason. Secrets are never copied into the reason.
port::Result<ConnectionString> parse_connection_string(std::string_view text);

}  // namespace door::agent
