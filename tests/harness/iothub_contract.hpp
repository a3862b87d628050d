#pragma once
// The IoT Hub service REST API's local stand-in (tests/harness/iothub-contract/server.mjs) on a
// loopback port with the test PKI's server certificate, checking every request against the REST
// reference. Its hub is "localhost:PORT", its policy "service" with a known key, its fleet the
// twins given; jobs run for run_seconds once their start time comes. faults: a JSON array of
// {"method","path","status","retryAfter","count"} answered instead of the real thing.
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "reserved_port.hpp"
#include "temp_dir.hpp"

namespace door::test {

class IotHubContract {
 public:
  static constexpr const char* kKeyName = "service";
  static constexpr const char* kKey = "c2VydmljZS1wb2xpY3kta2V5LWZvci10ZXN0cy0wMDAwMDA=";

  explicit IotHubContract(const std::string& faults = "[]", int run_seconds = 3);
  ~IotHubContract();

  std::string host() const { return "localhost:" + std::to_string(port_.number()); }
  std::string connection_string(const std::string& key = kKey) const {
    return "HostName=" + host() + ";SharedAccessKeyName=" + kKeyName + ";SharedAccessKey=" + key;
  }
  // One JSON line per request received: method, path, query, headers, body, status, and
  // "violation" when it broke a rule of the reference.
  std::vector<std::string> requests() const;
  Process& process() { return *process_; }

 private:
  TempDir dir_;
  ReservedPort port_;
  std::unique_ptr<Process> process_;
};

}  // namespace door::test
