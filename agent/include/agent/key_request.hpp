#pragma once
// The device's own key pair and its certificate signing request, made on the board
// (door-agent --make-csr): the private key never leaves the board; the CSR goes to the fleet CA
// (door-fleet sign), which issues the certificate for the device id in its subject. Start-up
// only: it allocates.
#include <string>
#include <utility>

#include "port/status.hpp"

namespace door::agent {

// Where the packaged agent's key goes: the path the fleet's bundles name in clientKeyFile.
constexpr const char* kDefaultKeyFile = "/etc/door-agent/client.key";
// The packaged service's group. A key made by root on a host with this group is root:door-agent
// 0640, as the package's other secrets are, so the service can read it; otherwise it is 0600,
// owned by its maker.
constexpr const char* kServiceGroup = "door-agent";

struct KeyRequestOptions {
  std::string device_id;  // the CSR's subject is CN=<device_id>
  std::string key_path = kDefaultKeyFile;
  bool rekey = false;  // replace a key that is there
};

// A new EC P-256 key, already written beside its path under a temporary name, and the CSR (PEM)
// it signed. commit() puts the key at its path; a key not committed is removed on destruction,
// so nothing the board uses changes before the CSR has been handed out.
class KeyRequest {
 public:
  // Refuses a device id the agent would refuse in its config, and a path that already holds a
  // file unless options.rekey.
  static port::Result<KeyRequest> make(const KeyRequestOptions& options);

  KeyRequest(KeyRequest&& other) noexcept;
  KeyRequest& operator=(KeyRequest&&) = delete;
  KeyRequest(const KeyRequest&) = delete;
  KeyRequest& operator=(const KeyRequest&) = delete;
  ~KeyRequest();

  const std::string& csr_pem() const { return csr_pem_; }
  const std::string& key_path() const { return key_path_; }
  // Puts the key at its path and fsyncs the folder: only where there is no file, unless rekey
  // (then over the old key, atomically). Once only.
  port::Status commit();

 private:
  KeyRequest(std::string key_path, std::string temporary_path, std::string csr_pem, bool rekey)
      : key_path_(std::move(key_path)),
        temporary_path_(std::move(temporary_path)),
        csr_pem_(std::move(csr_pem)),
        rekey_(rekey) {}

  std::string key_path_;
  std::string temporary_path_;  // empty once committed or moved from
  std::string csr_pem_;
  bool rekey_;
};

}  // namespace door::agent
