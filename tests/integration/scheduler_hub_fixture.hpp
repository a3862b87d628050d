#pragma once
// door-scheduler on its IoT Hub backend against the contract server
// (tests/harness/iothub-contract): the real scheduler process with a store of its own, trusting the
// test PKI's CA.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "iothub_contract.hpp"
#include "process.hpp"
#include "scheduler_fixture.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace door::test {

struct JsonLine {
  explicit JsonLine(const std::string& text) : json(cJSON_Parse(text.c_str())) {}
  ~JsonLine() { cJSON_Delete(json); }
  JsonLine(const JsonLine&) = delete;
  JsonLine& operator=(const JsonLine&) = delete;
  std::string text(const char* name) const {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : "";
  }
  std::string header(const char* name) const {
    const cJSON* item =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(json, "headers"), name);
    return cJSON_IsString(item) ? item->valuestring : "<absent>";
  }
  int status() const { return cJSON_GetObjectItemCaseSensitive(json, "status")->valueint; }
  cJSON* json;
};

// A contract hub and door-scheduler command lines for it, with a store of their own.
class HubCli {
 public:
  HubCli() : hub_(std::make_unique<IotHubContract>()) {}

  IotHubContract& hub() { return *hub_; }

  // The connection string goes in a file (of mode 0600), as the scheduler takes it.
  std::vector<std::string> argv(const std::vector<std::string>& args,
                                const std::string& connection) const {
    const std::string file =
        dir_.write("iothub-" + std::to_string(std::hash<std::string>{}(connection)), connection);
    std::vector<std::string> all = {DOOR_SCHEDULER_BINARY,
                                    "--iothub-file",
                                    file,
                                    "--ca",
                                    TestPki::shared().file("ca.pem"),
                                    "--store",
                                    dir_.file("jobs.db")};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }

  CliResult run(const std::vector<std::string>& args, std::string connection = "") const {
    Process p(argv(args, connection.empty() ? hub_->connection_string() : connection));
    const auto status = p.wait_exit(120s);
    return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, p.output()};
  }

  // The store without the hub: the broker backend's view of it.
  CliResult offline(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {DOOR_SCHEDULER_BINARY, "--store", dir_.file("jobs.db")};
    all.insert(all.end(), args.begin(), args.end());
    Process p(all);
    const auto status = p.wait_exit(60s);
    return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, p.output()};
  }

  std::unique_ptr<IotHubContract> hub_;
  TempDir dir_;
};

class HubScheduler : public ::testing::Test, public HubCli {
 protected:
  CliResult scheduler(const std::vector<std::string>& args, std::string connection = "") const {
    return run(args, std::move(connection));
  }

  // Every request the hub got keeps to the REST reference.
  void TearDown() override {
    for (const std::string& line : hub_->requests()) {
      EXPECT_FALSE(has(line, "\"violation\"")) << line;
    }
  }
};

}  // namespace door::test
