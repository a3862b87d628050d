#include "agent/key_request.hpp"

#include <fcntl.h>
#include <grp.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_csr.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "port/atomic_file.hpp"
#include "port/crypto.hpp"
#include "protocol/topics.hpp"

namespace door::agent {

namespace {

using port::Status;

// A P-256 key is 121 bytes in DER (SEC1), about 230 in PEM, and its CSR about 400 in PEM; mbedtls
// says when a buffer is short.
constexpr std::size_t kKeyDerBytes = 256;
constexpr std::size_t kKeyPemBytes = 512;
constexpr std::size_t kCsrPemBytes = 1024;

Status mbedtls_failure(const char* what, int error) {
  char text[128];
  mbedtls_strerror(error, text, sizeof text);
  return Status::failure(Status::Code::unavailable, "cannot %s: %s", what, text);
}

// The mbedtls objects of one key and its request, freed (and so wiped) however the making ends.
struct Making {
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context key;
  mbedtls_x509write_csr request;
  unsigned char key_der[kKeyDerBytes];
  unsigned char key_pem[kKeyPemBytes];
  unsigned char csr_pem[kCsrPemBytes];

  Making() {
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    mbedtls_x509write_csr_init(&request);
    std::memset(key_der, 0, sizeof key_der);
    std::memset(key_pem, 0, sizeof key_pem);
    std::memset(csr_pem, 0, sizeof csr_pem);
  }
  ~Making() {
    mbedtls_x509write_csr_free(&request);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_platform_zeroize(key_der, sizeof key_der);
    mbedtls_platform_zeroize(key_pem, sizeof key_pem);
  }
  Making(const Making&) = delete;
  Making& operator=(const Making&) = delete;
};

Status make_pair(Making& m, const std::string& device_id) {
  static const unsigned char kPersonalisation[] = "door-agent device key";
  int rc = mbedtls_ctr_drbg_seed(&m.drbg, &port::kernel_entropy, nullptr, kPersonalisation,
                                 sizeof kPersonalisation - 1);
  if (rc != 0) return mbedtls_failure("seed the random generator from getrandom", rc);
  rc = mbedtls_pk_setup(&m.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return mbedtls_failure("set up an EC key", rc);
  rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(m.key), mbedtls_ctr_drbg_random,
                           &m.drbg);
  if (rc != 0) return mbedtls_failure("make a P-256 key", rc);
  // DER then PEM in buffers of our own, which are wiped (mbedtls_pk_write_key_pem's own DER buffer
  // on its stack would not be).
  const int der_length = mbedtls_pk_write_key_der(&m.key, m.key_der, sizeof m.key_der);
  if (der_length < 0) return mbedtls_failure("write the key", der_length);
  const auto der_size = static_cast<std::size_t>(der_length);
  std::size_t pem_length = 0;
  rc = mbedtls_pem_write_buffer(
      "-----BEGIN EC PRIVATE KEY-----\n", "-----END EC PRIVATE KEY-----\n",
      m.key_der + sizeof m.key_der - der_size, der_size, m.key_pem, sizeof m.key_pem, &pem_length);
  if (rc != 0) return mbedtls_failure("write the key as PEM", rc);

  // The id's characters (letters, digits, -._:@) need no escaping in a subject name.
  const std::string subject = "CN=" + device_id;
  mbedtls_x509write_csr_set_md_alg(&m.request, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&m.request, &m.key);
  rc = mbedtls_x509write_csr_set_subject_name(&m.request, subject.c_str());
  if (rc != 0) return mbedtls_failure("set the request's subject", rc);
  rc = mbedtls_x509write_csr_pem(&m.request, m.csr_pem, sizeof m.csr_pem, mbedtls_ctr_drbg_random,
                                 &m.drbg);
  if (rc != 0) return mbedtls_failure("write the certificate signing request", rc);
  return Status::ok();
}

bool write_all(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The key under a temporary name beside path, made 0600 by mkostemp before a byte is written,
// then given to the service's group as the package's secrets are. Its name, or a failure that
// leaves no file.
port::Result<std::string> write_temporary(const std::string& path, const unsigned char* pem,
                                          std::size_t size) {
  std::string temporary = path + ".XXXXXX";
  const int fd = mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) {
    return Status::system_error(Status::Code::io_error, errno, "cannot write a key beside %s",
                                path.c_str());
  }
  errno = 0;
  bool ok = true;
  if (geteuid() == 0) {
    if (const group* service = getgrnam(kServiceGroup); service != nullptr) {
      ok = fchown(fd, static_cast<uid_t>(-1), service->gr_gid) == 0 && fchmod(fd, 0640) == 0;
    }
  }
  ok = ok && write_all(fd, pem, size) && fsync(fd) == 0;
  int error = ok ? 0 : (errno != 0 ? errno : EIO);
  if (close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    unlink(temporary.c_str());
    return Status::system_error(Status::Code::io_error, error, "cannot write %s",
                                temporary.c_str());
  }
  return temporary;
}

}  // namespace

port::Result<KeyRequest> KeyRequest::make(const KeyRequestOptions& options) {
  if (!protocol::valid_device_id(options.device_id)) {
    return Status::failure(Status::Code::invalid,
                           "a device id is 1 to 128 letters, digits or -._:@, not \"%.128s\"",
                           options.device_id.c_str());
  }
  if (options.key_path.empty()) {
    return Status::failure(Status::Code::invalid, "no path for the key");
  }
  struct stat existing {};
  if (!options.rekey && lstat(options.key_path.c_str(), &existing) == 0) {
    return Status::failure(Status::Code::invalid,
                           "%s is there already: --rekey replaces it with a new key (its "
                           "certificate then needs door-fleet sign --rekey)",
                           options.key_path.c_str());
  }
  Making m;
  if (const Status made = make_pair(m, options.device_id); !made.is_ok()) return made;
  port::Result<std::string> temporary =
      write_temporary(options.key_path, m.key_pem, std::strlen(reinterpret_cast<char*>(m.key_pem)));
  if (!temporary.is_ok()) return temporary.status();
  return KeyRequest(options.key_path, std::move(temporary).value(),
                    std::string(reinterpret_cast<char*>(m.csr_pem)), options.rekey);
}

KeyRequest::KeyRequest(KeyRequest&& other) noexcept
    : key_path_(std::move(other.key_path_)),
      temporary_path_(std::move(other.temporary_path_)),
      csr_pem_(std::move(other.csr_pem_)),
      rekey_(other.rekey_) {
  other.temporary_path_.clear();
}

KeyRequest::~KeyRequest() {
  if (!temporary_path_.empty()) unlink(temporary_path_.c_str());
}

Status KeyRequest::commit() {
  if (temporary_path_.empty()) {
    return Status::failure(Status::Code::invalid, "%s: the key was put in place already",
                           key_path_.c_str());
  }
  if (rekey_) {
    // Over the old key in one step: the path holds the old key or the new one, never neither.
    const Status renamed = port::rename_file(temporary_path_.c_str(), key_path_.c_str());
    if (renamed.is_ok()) temporary_path_.clear();
    return renamed;
  }
  // A hard link never replaces a file: a key made meanwhile by someone else stays.
  if (link(temporary_path_.c_str(), key_path_.c_str()) != 0) {
    if (errno == EEXIST) {
      return Status::failure(Status::Code::invalid,
                             "%s is there already: --rekey replaces it with a new key",
                             key_path_.c_str());
    }
    return Status::system_error(Status::Code::io_error, errno, "%s", key_path_.c_str());
  }
  // Removing the temporary name fsyncs the folder, so the new name outlives a power cut.
  const Status removed = port::remove_file(temporary_path_.c_str());
  temporary_path_.clear();
  return removed;
}

}  // namespace door::agent
