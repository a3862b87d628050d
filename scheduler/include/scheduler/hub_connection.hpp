#pragma once
// An IoT Hub service connection string (HostName=...;SharedAccessKeyName=...;SharedAccessKey=...)
// and the service SAS tokens made from it: sr = the URL-encoded host, skn = the policy name.
#include <cstdint>
#include <string>

#include "port/secret.hpp"

namespace door::scheduler {

struct HubConnection {
  std::string host;  // as given, "myhub.azure-devices.net" (a port may follow: "localhost:8443")
  std::string key_name;    // the shared access policy, such as "service"
  port::SecretString key;  // base64, as the portal shows it; never printed
};

// False with a one-line reason that never contains the key.
bool parse_hub_connection(const std::string& text, HubConnection& out, std::string& error);

// "SharedAccessSignature sr={host}&sig={signature}&skn={policy}&se={expiry}", in the member order
// the official SDKs write; empty when the key is not base64.
std::string service_sas_token(const HubConnection& connection, int64_t expiry_unix_seconds);

}  // namespace door::scheduler
