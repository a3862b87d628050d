#include "iothub_contract.hpp"

#include <fstream>
#include <stdexcept>

#include "test_pki.hpp"

namespace door::test {

namespace {

// The fleet's twins as IoT Hub holds them for door-agent devices.
constexpr const char* kDevices = R"([
 {"deviceId":"door-1","connectionState":"Connected",
  "desired":{"building":43,"$version":3},
  "reported":{"door":{"lock":"locked","door":"closed"},"building":{"value":43,"ac":200,"av":3},"$version":7}},
 {"deviceId":"door-2","connectionState":"Connected",
  "desired":{"$version":1},"reported":{"door":{"lock":"unlocked","door":"open"},"$version":2}},
 {"deviceId":"door-3","connectionState":"Disconnected",
  "desired":{"$version":1},"reported":{"$version":1}}])";

}  // namespace

IotHubContract::IotHubContract(const std::string& faults, int run_seconds) {
  const TestPki& pki = TestPki::shared();
  const std::string config = std::string("{") + "\"port\":" + std::to_string(port_.number()) +
                             ",\"tlsCert\":\"" + pki.file("server.pem") + "\",\"tlsKey\":\"" +
                             pki.file("server.key") + "\",\"hostName\":\"" + host() +
                             "\",\"keyName\":\"" + kKeyName + "\",\"key\":\"" + kKey +
                             "\",\"log\":\"" + dir_.file("requests.jsonl") +
                             "\",\"pageSize\":2,\"runSeconds\":" + std::to_string(run_seconds) +
                             ",\"faults\":" + faults + ",\"devices\":" + kDevices + "}";
  dir_.write("hub.json", config);
  dir_.write("requests.jsonl", "");
  process_ = std::make_unique<Process>(std::vector<std::string>{
      "node", DOOR_SOURCE_DIR "/tests/harness/iothub-contract/server.mjs", dir_.file("hub.json")});
  if (!process_->wait_for_output("running", 30s)) {
    throw std::runtime_error("the IoT Hub contract server did not start:\n" + process_->output());
  }
}

IotHubContract::~IotHubContract() = default;

std::vector<std::string> IotHubContract::requests() const {
  std::ifstream in(dir_.file("requests.jsonl"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace door::test
