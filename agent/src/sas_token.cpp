#include "agent/sas_token.hpp"

#include "agent/capacities.hpp"
#include "port/crypto.hpp"

namespace door::agent {

bool make_sas_token(std::string_view host, std::string_view device_id, std::string_view key_base64,
                    int64_t expiry_unix_seconds, port::TextWriter& out) {
  uint8_t key[128];
  std::size_t key_len = 0;
  if (!port::base64_decode(key_base64, key, sizeof key, &key_len) || key_len == 0) return false;

  char resource_buf[kMaxSasTokenLength];
  port::TextWriter resource(resource_buf, sizeof resource_buf);
  char unencoded_buf[kMaxSasTokenLength];
  port::TextWriter unencoded(unencoded_buf, sizeof unencoded_buf);
  unencoded.add(host).add("/devices/").add(device_id);
  resource.add_url_encoded(unencoded.view());

  char to_sign_buf[kMaxSasTokenLength];
  port::TextWriter to_sign(to_sign_buf, sizeof to_sign_buf);
  to_sign.add(resource.view()).add('\n').add_int(expiry_unix_seconds);
  if (!unencoded.ok() || !resource.ok() || !to_sign.ok()) return false;

  uint8_t mac[port::kSha256Bytes];
  char signature[64];
  std::size_t signature_len = 0;
  if (!port::hmac_sha256(key, key_len, to_sign.view(), mac) ||
      !port::base64_encode(mac, sizeof mac, signature, sizeof signature, &signature_len)) {
    return false;
  }
  out.add("SharedAccessSignature sr=")
      .add(resource.view())
      .add("&sig=")
      .add_url_encoded(std::string_view(signature, signature_len))
      .add("&se=")
      .add_int(expiry_unix_seconds);
  return out.ok();
}

}  // namespace door::agent
