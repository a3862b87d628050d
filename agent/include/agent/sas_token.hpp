#pragma once
// IoT Hub device SAS tokens:
//   SharedAccessSignature sr={url-encoded host/devices/id}&sig={url-encoded base64
//   HMAC}&se={expiry}
// where HMAC = HMAC-SHA256(base64-decoded key, url-encoded resource + "\n" + expiry).
#include <cstdint>
#include <string_view>

#include "port/status.hpp"
#include "port/text_writer.hpp"

namespace door::agent {

// Fails (with the reason) when the key is not base64 or the token does not fit in out.
port::Status make_sas_token(std::string_view host, std::string_view device_id,
                            std::string_view key_base64, int64_t expiry_unix_seconds,
                            port::TextWriter& out);

}  // namespace door::agent
