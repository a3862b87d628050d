#include "hal/fake_gpio.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "port/clock.hpp"

namespace door::hal {

class FakeOutput final : public OutputLine {
 public:
  FakeOutput(FakeGpio& gpio, int index) : gpio_(gpio), index_(index) {}
  port::Status set(bool active) override {
    const FakeGpio::Line& line = gpio_.lines_[index_];
    if (line.failing) {
      gpio_.record(line, "set-failed", active);
      return port::Status::system_error(port::Status::Code::io_error, EIO, "writing the line");
    }
    gpio_.change(index_, active, "set");
    return port::Status::ok();
  }
  bool active() const override { return gpio_.lines_[index_].active; }

 private:
  FakeGpio& gpio_;
  int index_;
};

class FakeInput final : public InputLine {
 public:
  FakeInput(FakeGpio& gpio, int index) : gpio_(gpio), index_(index) {}
  port::Result<bool> read() override {
    const FakeGpio::Line& line = gpio_.lines_[index_];
    if (line.failing) {
      return port::Status::system_error(port::Status::Code::io_error, EIO, "reading the line");
    }
    return line.active;
  }
  int event_fd() const override { return gpio_.lines_[index_].event_fd; }
  void drain_events() override {
    uint64_t count = 0;
    ssize_t ignored = ::read(event_fd(), &count, sizeof count);
    (void)ignored;
  }

 private:
  FakeGpio& gpio_;
  int index_;
};

FakeGpio::FakeGpio(FakeGpioOptions options) : options_(std::move(options)) {
  lines_.reserve(kMaxLines);  // lines are referred to by index; no reallocation after start
  if (!options_.transition_log.empty()) {
    log_fd_ =
        open(options_.transition_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
}

FakeGpio::~FakeGpio() {
  for (const Line& line : lines_) {
    if (line.output) record(line, "release");
    if (line.event_fd >= 0) close(line.event_fd);
  }
  if (log_fd_ >= 0) close(log_fd_);
}

int FakeGpio::find(std::string_view name) const {
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (lines_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

port::Result<int> FakeGpio::add_line(const LineSpec& spec, bool output, bool initial) {
  for (const auto& failing : options_.failing_lines) {
    if (failing == spec.line) {
      return port::Status::failure(port::Status::Code::unavailable,
                                   "fake gpio: line %s is unavailable (simulated fault)",
                                   spec.line.c_str());
    }
  }
  if (find(spec.line) >= 0 || lines_.size() == kMaxLines) {
    return port::Status::failure(port::Status::Code::unavailable,
                                 "fake gpio: line %s is already requested, or too many lines",
                                 spec.line.c_str());
  }
  Line line;
  line.name = spec.line;
  line.output = output;
  line.active = initial;
  if (!output) line.event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  lines_.push_back(line);
  record(lines_.back(), "request");
  return static_cast<int>(lines_.size() - 1);
}

port::Result<std::unique_ptr<OutputLine>> FakeGpio::request_output(const LineSpec& spec,
                                                                   bool initial_active) {
  const port::Result<int> index = add_line(spec, true, initial_active);
  if (!index.is_ok()) return index.status();
  return std::unique_ptr<OutputLine>(std::make_unique<FakeOutput>(*this, index.value()));
}

port::Result<std::unique_ptr<InputLine>> FakeGpio::request_input(const LineSpec& spec) {
  const port::Result<int> index = add_line(spec, false, false);
  if (!index.is_ok()) return index.status();
  return std::unique_ptr<InputLine>(std::make_unique<FakeInput>(*this, index.value()));
}

port::Status FakeGpio::follow(std::string_view input, std::string_view output, bool inverted) {
  const int in = find(input);
  const int out = find(output);
  if (in < 0 || out < 0 || lines_[in].output || !lines_[out].output) {
    return port::Status::failure(port::Status::Code::invalid,
                                 "fake gpio: %.*s cannot follow %.*s (no such input or output)",
                                 static_cast<int>(input.size()), input.data(),
                                 static_cast<int>(output.size()), output.data());
  }
  lines_[in].follows = out;
  lines_[in].inverted = inverted;
  lines_[in].stuck = false;
  change(in, lines_[out].active != inverted, "follow");
  return port::Status::ok();
}

port::Status FakeGpio::set_failing(std::string_view line, bool failing) {
  const int index = find(line);
  if (index < 0) {
    return port::Status::failure(port::Status::Code::invalid, "fake gpio: no line named '%.*s'",
                                 static_cast<int>(line.size()), line.data());
  }
  lines_[index].failing = failing;
  return port::Status::ok();
}

void FakeGpio::change(int index, bool active, const char* cause) {
  Line& line = lines_[index];
  const bool changed = line.active != active;
  line.active = active;
  if (changed || line.output) record(line, cause);
  if (changed && line.event_fd >= 0) {
    const uint64_t one = 1;
    ssize_t ignored = write(line.event_fd, &one, sizeof one);
    (void)ignored;
  }
  if (!line.output) return;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    Line& in = lines_[i];
    if (in.follows == index && !in.stuck)
      change(static_cast<int>(i), active != in.inverted, "follow");
  }
}

void FakeGpio::record(const Line& line, const char* cause) {
  record(line, cause, line.active);
}

void FakeGpio::record(const Line& line, const char* cause, bool level) {
  if (log_fd_ < 0) return;
  char text[128];
  const int n = std::snprintf(text, sizeof text, "%lld %s %s %d\n",
                              static_cast<long long>(port::monotonic_ms()), line.name.c_str(),
                              cause, level ? 1 : 0);
  if (n > 0) {
    ssize_t ignored = write(log_fd_, text, static_cast<std::size_t>(n));  // one write per line
    (void)ignored;
  }
}

port::Status FakeGpio::execute(std::string_view command) {
  while (!command.empty() && (command.back() == '\n' || command.back() == '\r')) {
    command.remove_suffix(1);
  }
  const auto space = command.find(' ');
  const std::string_view verb = command.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? "" : command.substr(space + 1);
  const auto second = rest.find(' ');
  const std::string_view name = rest.substr(0, second);
  const std::string_view value = second == std::string_view::npos ? "" : rest.substr(second + 1);
  const int index = find(name);
  if ((verb == "fail" || verb == "repair") && value.empty())
    return set_failing(name, verb == "fail");
  if (index < 0 || lines_[index].output) {
    return port::Status::failure(port::Status::Code::invalid,
                                 "fake gpio: no input line named '%.*s'",
                                 static_cast<int>(name.size()), name.data());
  }
  Line& line = lines_[index];
  if (verb == "set" && (value == "active" || value == "inactive")) {
    change(index, value == "active", "input");
    return port::Status::ok();
  }
  if (verb == "stick" && value.empty()) {
    line.stuck = true;
    return port::Status::ok();
  }
  if (verb == "follow" && value.empty() && line.follows >= 0) {
    line.stuck = false;
    change(index, lines_[line.follows].active != line.inverted, "follow");
    return port::Status::ok();
  }
  return port::Status::failure(port::Status::Code::invalid,
                               "fake gpio: unknown command '%.*s' (use: set <input> "
                               "active|inactive, stick <input>, follow <input>, fail <line>, "
                               "repair <line>)",
                               static_cast<int>(command.size()), command.data());
}

}  // namespace door::hal
