#pragma once
// Secrets in memory: overwritten once no longer needed, so a later leak of freed memory or of the
// process image does not give them away (a core dump is prevented as well: protect_process()).
#include <cstddef>
#include <cstdint>
#include <string>

namespace door::port {

// Overwrites size bytes in a way the compiler cannot remove as a dead store (mbedtls'
// mbedtls_platform_zeroize).
void wipe(void* data, std::size_t size);

// A fixed buffer for decoded key material, wiped when it goes out of scope.
template <std::size_t N>
struct SecretBytes {
  SecretBytes() = default;
  ~SecretBytes() { wipe(bytes, N); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  uint8_t bytes[N] = {};
};

// A string holding a password, a key or a connection string: used as a std::string, and its
// buffer wiped when it is destroyed or assigned over. (A buffer that growing the string released
// is not: secrets are read whole, not built up.)
class SecretString : public std::string {
 public:
  SecretString() = default;
  SecretString(const char* text) : std::string(text) {}
  SecretString(const std::string& text) : std::string(text) {}
  SecretString(const SecretString& other) : std::string(other) {}
  SecretString& operator=(const SecretString& other) {
    if (this != &other) assign_wiped(other);
    return *this;
  }
  ~SecretString() { wipe_buffer(); }

 private:
  void assign_wiped(const std::string& text) {
    wipe_buffer();
    std::string::assign(text);
  }
  void wipe_buffer() { wipe(data(), capacity()); }
};

// Makes the process not dumpable (prctl PR_SET_DUMPABLE 0): no core dump, and its /proc files
// (environ, mem, maps) readable by root only, not by other processes of the same user. Call first
// in main; a failure is logged and the process goes on (it changes nothing the door needs).
void protect_process();

}  // namespace door::port
