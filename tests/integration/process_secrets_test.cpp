// The keys that open doors are in no process list and reach no other process: IoT Hub's service
// connection string only from a file only its owner can read or from the environment, never from
// the command line; the scheduler and the agent are not dumpable, so another process of their own
// user reads neither their environment nor their memory (and no core file is written).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "iothub_contract.hpp"
#include "process.hpp"
#include "scheduler_fixture.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

namespace door::test {
namespace {

// Root may read every process's /proc files: the processes run as another user when the tests
// run as root, as the services do.
constexpr uid_t kUser = 65534;

std::vector<std::string> as_user(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> all = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  "--"};
  all.insert(all.end(), argv.begin(), argv.end());
  return all;
}

// The file or folder becomes the user's (when the tests run as root).
const std::string& owned_by_user(const std::string& path) {
  if (geteuid() == 0) {
    EXPECT_EQ(chown(path.c_str(), kUser, kUser), 0) << path;
  }
  return path;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The command line of pid and of its children, NULs as spaces.
std::string command_lines(pid_t pid) {
  std::string all = read_text("/proc/" + std::to_string(pid) + "/cmdline");
  DIR* proc = opendir("/proc");
  while (const dirent* entry = proc != nullptr ? readdir(proc) : nullptr) {
    const std::string stat = read_text(std::string("/proc/") + entry->d_name + "/stat");
    const auto end = stat.rfind(')');  // the name may hold spaces; the fields after it do not
    int parent = 0;
    if (end != std::string::npos && std::sscanf(stat.c_str() + end + 1, " %*c %d", &parent) == 1 &&
        parent == pid) {
      all += "\n" + read_text(std::string("/proc/") + entry->d_name + "/cmdline");
    }
  }
  if (proc != nullptr) closedir(proc);
  for (char& c : all) c = c == '\0' ? ' ' : c;
  return all;
}

// Whether another process of pid's user can read its environment.
bool environment_readable_by_its_user(pid_t pid) {
  Process cat(as_user({"cat", "/proc/" + std::to_string(pid) + "/environ"}));
  const auto status = cat.wait_exit(10s);
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

const std::string kHubKey = "c2VydmljZS1wb2xpY3kta2V5LWZvci10ZXN0cy0wMDAwMDA=";

TEST(ProcessSecrets, AConnectionStringOnTheCommandLineIsRefusedInOneLine) {
  Process p(
      {DOOR_SCHEDULER_BINARY, "--iothub",
       "HostName=myhub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=" + kHubKey,
       "jobs"});
  const auto status = p.wait_exit(30s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << p.output();
  EXPECT_EQ(WEXITSTATUS(*status), 2) << p.output();
  EXPECT_EQ(p.line_count(), 1u) << p.output();
  EXPECT_TRUE(has(p.output(), "give --iothub-file FILE, or set IOTHUB_CONNECTION_STRING"))
      << p.output();
  EXPECT_FALSE(has(p.output(), kHubKey)) << p.output();
}

TEST(ProcessSecrets, AConnectionStringFileOtherUsersCanReadIsRefused) {
  const TempDir dir;
  const std::string file =
      dir.write("iothub", "HostName=h;SharedAccessKeyName=service;SharedAccessKey=" + kHubKey);
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  Process p({DOOR_SCHEDULER_BINARY, "--iothub-file", file, "jobs"});
  const auto status = p.wait_exit(30s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << p.output();
  EXPECT_EQ(WEXITSTATUS(*status), 2) << p.output();
  EXPECT_EQ(p.line_count(), 1u) << p.output();
  EXPECT_TRUE(has(p.output(), "can be read or written by other users (mode 0644)")) << p.output();
}

TEST(ProcessSecrets, TheHubKeyIsInNoCommandLineAndTheSchedulerIsNotDumpable) {
  IotHubContract hub;
  const TempDir dir;
  owned_by_user(dir.path());
  const std::string file = owned_by_user(dir.write("iothub", hub.connection_string()));
  const std::string ca =
      owned_by_user(dir.write("ca.pem", read_text(TestPki::shared().file("ca.pem"))));
  Process serve(as_user({DOOR_SCHEDULER_BINARY, "--iothub-file", file, "--ca", ca, "--store",
                         dir.file("jobs.db"), "serve"}));
  ASSERT_TRUE(serve.wait_for_output("serving recurring IoT Hub jobs", 30s)) << serve.output();

  const std::string command_line = command_lines(serve.pid());
  EXPECT_TRUE(has(command_line, "--iothub-file")) << command_line;
  EXPECT_FALSE(has(command_line, kHubKey)) << command_line;
  EXPECT_FALSE(environment_readable_by_its_user(serve.pid()));
  serve.signal(SIGTERM);
  EXPECT_TRUE(serve.wait_exit(30s)) << serve.output();
}

TEST(ProcessSecrets, TheAgentIsNotDumpable) {
  const TempDir dir;
  owned_by_user(dir.path());
  // No broker: the agent keeps trying, which is all this needs.
  const std::string config = owned_by_user(dir.write(
      "agent.json",
      R"({"hub":"mqtt","stateFile":")" + dir.file("desired.json") +
          R"(","connection":{"host":"localhost","port":1,"deviceId":"door-1","password":"p",)"
          R"("verifyServer":false},)" +
          fake_door_section(dir) + "}"));
  Process agent(as_user({DOOR_AGENT_BINARY, "--config", config}));
  ASSERT_TRUE(agent.wait_for_output("cannot connect", 30s)) << agent.output();
  EXPECT_FALSE(environment_readable_by_its_user(agent.pid()));
}

}  // namespace
}  // namespace door::test
