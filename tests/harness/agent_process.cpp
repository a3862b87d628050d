#include "agent_process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "test_pki.hpp"

namespace door::test {

namespace {
std::string ca_json() {
  return "\"caFile\":\"" + TestPki::shared().file("ca.pem") + "\"";
}
std::string with_extra(const std::string& extra) {
  return extra.empty() ? "" : "," + extra;
}
}  // namespace

std::string broker_dialect_config(int port, const std::string& device_id,
                                  const std::string& extra_connection,
                                  const std::string& extra_top) {
  return R"({"hub":"mqtt","logLevel":"debug")" + with_extra(extra_top) +
         R"(,"connection":{"host":"localhost","port":)" + std::to_string(port) +
         R"(,"deviceId":")" + device_id + R"(","password":")" + Broker::device_password(device_id) +
         R"(",)" + ca_json() + R"(,"reconnectMaxSeconds":2)" + with_extra(extra_connection) + "}}";
}

std::string azure_dialect_config(int port, const std::string& device_id,
                                 const std::string& extra_connection,
                                 const std::string& extra_top) {
  return R"({"hub":"azure","logLevel":"debug")" + with_extra(extra_top) +
         R"(,"connection":{"connectionString":"HostName=localhost;DeviceId=)" + device_id +
         ";SharedAccessKey=" + kTestDeviceKey + R"(","port":)" + std::to_string(port) + "," +
         ca_json() + R"(,"reconnectMaxSeconds":2)" + with_extra(extra_connection) + "}}";
}

std::string fake_door_section(const TempDir& dir, const std::string& energized_means,
                              const std::string& door_extra, const std::string& fake_extra) {
  return R"("door":{"gpio":"fake","feedbackTimeoutMs":300,"lock":{"line":"LOCK","energizedMeans":")" +
         energized_means +
         R"("},"feedback":{"line":"FEEDBACK"},"doorContact":{"line":"DOOR"},"fake":{"control":")" +
         dir.file("fake-gpio") + R"(","transitionLog":")" + dir.file("transitions.log") + "\"" +
         with_extra(fake_extra) + "}" + with_extra(door_extra) + "}";
}

AgentProcess::AgentProcess(const std::string& config_json, std::vector<std::string> environment)
    : config_path_(dir_.write("agent.json", config_json)) {
  process_ = std::make_unique<Process>(
      std::vector<std::string>{DOOR_AGENT_BINARY, "--config", config_path_},
      std::move(environment));
}

bool AgentProcess::wait_online(std::chrono::milliseconds timeout, std::size_t from_line) {
  return process_->wait_for_output("online: device", timeout, from_line);
}

bool fake_command(const TempDir& dir, const std::string& command) {
  const int fd = open(dir.file("fake-gpio").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  const std::string line = command + "\n";
  const bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  return ok;
}

}  // namespace door::test
