// docs/scheduler.md's examples run as written: every door-scheduler command of its ```sh blocks
// (and the variables they set) runs in one bash against a real broker and three real agents, with
// the documentation's connection options replaced by the test broker's. A command that fails
// fails the test. Commands of other programs (scripts/fuzz.sh) are tests/deploy/check-docs.py's.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "scheduler_fixture.hpp"
#include "test_pki.hpp"

namespace door::test {
namespace {

using SchedulerDocs = SchedulerFleet;

// The door-scheduler lines of the document's ```sh blocks, continuation lines joined.
std::vector<std::string> examples(const std::string& document) {
  std::ifstream file(document);
  std::stringstream text;
  text << file.rdbuf();
  const std::string markdown = text.str();
  std::vector<std::string> lines;
  const std::string open = "```sh\n";
  for (auto at = markdown.find(open); at != std::string::npos; at = markdown.find(open, at)) {
    const auto from = at + open.size();
    const auto to = markdown.find("```", from);
    std::string block = markdown.substr(from, to - from);
    for (auto c = block.find("\\\n"); c != std::string::npos; c = block.find("\\\n", c)) {
      block.replace(c, 2, " ");
    }
    std::stringstream in(block);
    for (std::string line; std::getline(in, line);) {
      for (const char* start : {"S=", "$S ", "door-scheduler "}) {
        if (line.rfind(start, 0) == 0) {
          lines.push_back(line);
          break;
        }
      }
    }
    at = to + 3;
  }
  return lines;
}

TEST_F(SchedulerDocs, EveryExampleOfTheSchedulerDocumentRuns) {
  const std::vector<std::string> lines = examples(DOOR_SOURCE_DIR "/docs/scheduler.md");
  ASSERT_GE(lines.size(), 15u);
  const std::vector<std::string> own = cli_.argv({});
  const std::string pids = own[8] + ".pids";  // every scheduler started, stopped at the end
  std::string script =
      "set -euo pipefail\n"
      "trap 'while read -r p; do kill \"$p\" 2>/dev/null || true; done < \"" +
      pids +
      "\"' EXIT\n"
      ": > '" +
      pids +
      "'\n"
      // The documentation's broker and files stand for the test's.
      "door-scheduler() {\n"
      "  local args=() skip=0\n"
      "  for a in \"$@\"; do\n"
      "    if ((skip)); then skip=0; continue; fi\n"
      "    case \"$a\" in --broker|--ca|--password-file|--store|--cert|--key) skip=1; continue;; "
      "esac\n"
      "    args+=(\"$a\")\n"
      "  done\n"
      "  echo \"+ door-scheduler ${args[*]}\" >&2\n"
      "  '" +
      own[0] + "' --broker '" + own[2] + "' --ca '" + own[4] + "' --password-file '" + own[6] +
      "' --store '" + own[8] +
      "' \"${args[@]}\" &\n"
      "  local pid=$!\n"
      "  echo \"$pid\" >> '" +
      pids +
      "'\n"
      "  wait \"$pid\"\n"
      "}\n";
  for (const std::string& line : lines) script += line + "\n";
  script += "echo 'every example ran'\n";
  Process bash({"/bin/bash", "-c", script});
  const auto status = bash.wait_exit(120s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << bash.output();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << script << "\n" << bash.output();
  EXPECT_TRUE(has(bash.output(), "every example ran")) << bash.output();
}

}  // namespace
}  // namespace door::test
