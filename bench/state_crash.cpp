// Crash safety of the desired-properties state file: a child process rewrites the file over and
// over with the agent's own writer (port::replace_file), alternating two documents; the parent
// kills it with SIGKILL at a random moment, then checks that the file holds one of the two
// documents, whole, and that the last good copy does too. Usage: state_crash [rounds] (1000).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "port/atomic_file.hpp"

namespace {

std::string document(int version) {
  // About 8 KiB, the size of a well-filled desired set, so a write takes measurable time.
  std::string doc = R"({"$version":)" + std::to_string(version) + R"(,"desired":{)";
  for (int i = 0; i < 30; ++i) {
    doc += "\"key" + std::to_string(i) + "\":\"" +
           std::string(250, static_cast<char>('a' + (version + i) % 26)) + "\",";
  }
  doc.back() = '}';
  return doc + "}";
}

std::string slurp(const std::string& path, bool& exists) {
  std::ifstream in(path);
  exists = in.good();
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 1000;
  char dir_template[] = "/tmp/state-crash-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return 1;
  const std::string path = std::string(dir) + "/desired.json";
  const std::string a = document(1);
  const std::string b = document(2);
  if (!door::port::replace_file(path.c_str(), a).is_ok()) return 1;

  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_us(0, 20000);
  int holds_a = 0, holds_b = 0, broken = 0, prev_broken = 0, mid_write = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return 1;
    const pid_t child = fork();
    if (child == 0) {
      close(pipe_fds[0]);
      for (long long n = 0;; ++n) {
        // A write that fails ends the child: the parent then finds no write under way.
        if (!door::port::replace_file(path.c_str(), n % 2 == 0 ? b : a).is_ok()) _exit(2);
        if (n == 0) (void)!write(pipe_fds[1], "x", 1);  // the first write is under way
      }
    }
    close(pipe_fds[1]);
    char started;
    (void)!read(pipe_fds[0], &started, 1);
    close(pipe_fds[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));  // a random moment
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);

    // A temporary file left behind means the kill came while a new document was being written.
    if (access((path + ".tmp").c_str(), F_OK) == 0) {
      ++mid_write;
      unlink((path + ".tmp").c_str());
    }
    bool exists = false, prev_exists = false;
    const std::string now = slurp(path, exists);
    const std::string prev = slurp(path + ".prev", prev_exists);
    if (exists && now == a) {
      ++holds_a;
    } else if (exists && now == b) {
      ++holds_b;
    } else {
      ++broken;
    }
    if (prev_exists && prev != a && prev != b) ++prev_broken;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("state file crash test: %d rounds of kill -9 during writes in %.1f s\n", rounds,
              seconds);
  std::printf("  killed while writing a new one: %d\n", mid_write);
  std::printf("  file held the older document:  %d\n", holds_a);
  std::printf("  file held the newer document:  %d\n", holds_b);
  std::printf("  file broken or missing:        %d\n", broken);
  std::printf("  last good copy (.prev) broken: %d\n", prev_broken);
  std::string cleanup = std::string("rm -rf ") + dir;
  (void)!std::system(cleanup.c_str());
  return broken == 0 && prev_broken == 0 ? 0 : 1;
}
