// libFuzzer target for IoT Hub device connection strings: the input is the string. A refusal gives
// a one-line reason; an accepted string has a host, a valid device id and exactly one credential,
// and a shared access key in it signs a SAS token for the hub and device that fits the agent's
// buffer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/capacities.hpp"
#include "agent/connection_string.hpp"
#include "agent/sas_token.hpp"
#include "fuzz_support.hpp"
#include "port/text_writer.hpp"
#include "protocol/topics.hpp"

namespace door::agent {
namespace {

using fuzz::require;

void check_token(const ConnectionString& cs) {
  char buffer[kMaxSasTokenLength];
  port::TextWriter token(buffer, sizeof buffer);
  require(
      make_sas_token(cs.host_name, cs.device_id, cs.shared_access_key, 1700000000, token).is_ok());
  const std::string_view text = token.view();
  require(text.rfind("SharedAccessSignature sr=", 0) == 0);
  require(text.size() > 14 && text.substr(text.size() - 14) == "&se=1700000000");
}

void check_connection_string(std::string_view text) {
  const port::Result<ConnectionString> parsed = parse_connection_string(text);
  if (!parsed.is_ok()) {
    const std::string error = parsed.status().reason();
    require(error.rfind("connection string: ", 0) == 0 && fuzz::one_line(error));
    return;
  }
  const ConnectionString& cs = parsed.value();
  require(!cs.host_name.empty() && protocol::valid_device_id(cs.device_id));
  const int credentials =
      !cs.shared_access_key.empty() + !cs.shared_access_signature.empty() + cs.x509;
  require(credentials == 1);
  if (!cs.shared_access_key.empty()) check_token(cs);
}

}  // namespace
}  // namespace door::agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  door::agent::check_connection_string(door::fuzz::as_text(data, size));
  return 0;
}
