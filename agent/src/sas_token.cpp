#include "agent/sas_token.hpp"

#include "agent/capacities.hpp"
#include "port/crypto.hpp"
#include "port/secret.hpp"

namespace door::agent {

port::Status make_sas_token(std::string_view host, std::string_view device_id,
                            std::string_view key_base64, int64_t expiry_unix_seconds,
                            port::TextWriter& out) {
  port::SecretBytes<128> key;
  const port::Result<std::size_t> key_len =
      port::base64_decode(key_base64, key.bytes, sizeof key.bytes);
  if (!key_len.is_ok()) {
    return port::Status::failure(key_len.status().code(), "the SharedAccessKey: %s",
                                 key_len.status().reason());
  }
  if (key_len.value() == 0) {
    return port::Status::failure(port::Status::Code::invalid, "the SharedAccessKey is empty");
  }

  char resource_buf[kMaxSasTokenLength];
  port::TextWriter resource(resource_buf, sizeof resource_buf);
  char unencoded_buf[kMaxSasTokenLength];
  port::TextWriter unencoded(unencoded_buf, sizeof unencoded_buf);
  unencoded.add(host).add("/devices/").add(device_id);
  resource.add_url_encoded(unencoded.view());

  char to_sign_buf[kMaxSasTokenLength];
  port::TextWriter to_sign(to_sign_buf, sizeof to_sign_buf);
  to_sign.add(resource.view()).add('\n').add_int(expiry_unix_seconds);
  if (!unencoded.ok() || !resource.ok() || !to_sign.ok()) {
    return port::Status::failure(port::Status::Code::too_large,
                                 "the SAS token's resource (host and device id) does not fit in "
                                 "%zu bytes",
                                 kMaxSasTokenLength);
  }

  uint8_t mac[port::kSha256Bytes];
  const port::Status signed_text =
      port::hmac_sha256(key.bytes, key_len.value(), to_sign.view(), mac);
  if (!signed_text.is_ok()) return signed_text;
  char signature[64];
  const port::Result<std::size_t> signature_len =
      port::base64_encode(mac, sizeof mac, signature, sizeof signature);
  if (!signature_len.is_ok()) return signature_len.status();
  out.add("SharedAccessSignature sr=")
      .add(resource.view())
      .add("&sig=")
      .add_url_encoded(std::string_view(signature, signature_len.value()))
      .add("&se=")
      .add_int(expiry_unix_seconds);
  if (!out.ok()) {
    return port::Status::failure(port::Status::Code::too_large,
                                 "the SAS token does not fit in its buffer");
  }
  return port::Status::ok();
}

}  // namespace door::agent
