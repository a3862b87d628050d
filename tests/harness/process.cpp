#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace door::test {

Process::Process(std::vector<std::string> argv, std::vector<std::string> environment) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // The child's environment is made here: after fork only async-signal-safe calls are safe, and
  // putenv may allocate while another thread of this process holds the allocator's lock.
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto overridden = [&](const std::string& s) {
      return s.compare(0, s.find('=') + 1, entry.substr(0, entry.find('=') + 1)) == 0;
    };
    if (std::none_of(environment.begin(), environment.end(), overridden)) env.push_back(*e);
  }
  for (auto& setting : environment) env.push_back(setting.data());
  env.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // The test runner may block signals; the child starts with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    execvpe(args[0], args.data(), env.data());
    static const char kFailed[] = "exec failed\n";
    (void)!write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
    _exit(127);
  }
  close(pipe_fds[1]);
  reader_ = std::thread([this, fd = pipe_fds[0]] { read_output(fd); });
}

Process::~Process() {
  if (!reap(false)) {
    kill(pid_, SIGKILL);
    reap(true);
  }
  if (reader_.joinable()) reader_.join();
}

void Process::read_output(int fd) {
  std::string partial;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
      changed_.notify_all();
    }
  }
  close(fd);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!partial.empty()) lines_.push_back(partial);
  eof_ = true;
  changed_.notify_all();
}

bool Process::reap(bool block) {
  if (status_) return true;
  int status = 0;
  rusage usage{};
  const pid_t r = wait4(pid_, &status, block ? 0 : WNOHANG, &usage);
  if (r == pid_) {
    status_ = status;
    usage_ = usage;
  }
  return status_.has_value();
}

bool Process::running() {
  return !reap(false);
}

void Process::signal(int signal_number) {
  if (running()) kill(pid_, signal_number);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  if (!status_) {
    // A pidfd becomes readable when the child exits: wait on it instead of polling waitpid.
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd < 0) throw std::runtime_error("pidfd_open failed");
    pollfd p{pidfd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(timeout.count()));
    close(pidfd);
    if (ready != 1 || !reap(true)) return std::nullopt;
  }
  // The child has exited; its output is complete once the reader has drained the pipe.
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return eof_; });
  return status_;
}

bool Process::wait_for_output(const std::string& text, std::chrono::milliseconds timeout,
                              std::size_t from) {
  return wait_for_line(text, timeout, from).has_value();
}

std::optional<std::size_t> Process::wait_for_line(const std::string& text,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t from) {
  std::unique_lock<std::mutex> lock(mutex_);
  std::size_t checked = from;
  const bool found = changed_.wait_for(lock, timeout, [&] {
    for (; checked < lines_.size(); ++checked) {
      if (lines_[checked].find(text) != std::string::npos) return true;
    }
    return eof_;
  }) && checked < lines_.size();
  return found ? std::optional<std::size_t>(checked) : std::nullopt;
}

bool Process::wait_for_count(const std::string& text, std::size_t count,
                             std::chrono::milliseconds timeout, std::size_t from) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (std::size_t found = 0; found < count; ++found) {
    const auto line = wait_for_line(text,
                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                        deadline - std::chrono::steady_clock::now()),
                                    from);
    if (!line) return false;
    from = *line + 1;
  }
  return true;
}

std::size_t Process::count_output(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& line : lines_) n += line.find(text) != std::string::npos;
  return n;
}

std::size_t Process::line_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_.size();
}

std::string Process::output() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string all;
  for (const auto& line : lines_) all += line + "\n";
  return all;
}

}  // namespace door::test
