#pragma once
// A child process for tests: its stdout and stderr are collected line by line, tests wait for a
// line to appear (no sleeps), and the child is always killed and reaped, also when the test fails
// or the test process dies (PR_SET_PDEATHSIG). That signal comes when the thread that started the
// child ends, so a long-lived child is started from a thread that outlives it.
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace door::test {

using namespace std::chrono_literals;

class Process {
 public:
  // environment: extra NAME=value settings for the child.
  explicit Process(std::vector<std::string> argv, std::vector<std::string> environment = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int signal_number);
  // Waits for the exit and returns the wait status; nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Waits until some output line (from line number `from` on) contains text.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout,
                       std::size_t from = 0);
  // As wait_for_output, returning the number of the line found.
  std::optional<std::size_t> wait_for_line(const std::string& text,
                                           std::chrono::milliseconds timeout, std::size_t from = 0);
  // Waits until `count` output lines (from line number `from` on) contain text.
  bool wait_for_count(const std::string& text, std::size_t count, std::chrono::milliseconds timeout,
                      std::size_t from = 0);
  // Number of times text appears in the output so far.
  std::size_t count_output(const std::string& text);
  std::size_t line_count();
  // CPU time and peak RSS of the child, once it has exited and been reaped.
  std::optional<rusage> resource_usage() const { return usage_; }
  std::string output();

 private:
  void read_output(int fd);
  bool reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::optional<rusage> usage_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

}  // namespace door::test
