#pragma once
// The test PKI (tests/harness/make-pki.sh), made once per test process and shared by its tests.
#include <string>

namespace door::test {

class TestPki {
 public:
  // Device ids with client certificates and broker passwords.
  static constexpr const char* kDevices[] = {"door-1", "door-2", "door-3", "door-4", "door-5"};

  static const TestPki& shared();

  // Path of a file the script made, such as "ca.pem" or "device-door-1.key".
  std::string file(const std::string& name) const { return dir_ + "/" + name; }

 private:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace door::test
