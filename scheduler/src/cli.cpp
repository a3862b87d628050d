#include "cli.hpp"

#include <cstdio>
#include <ctime>

namespace door::scheduler::cli {

int usage_error(const std::string& what) {
  std::fprintf(stderr, "door-scheduler: %s (see door-scheduler help)\n", what.c_str());
  return kUsage;
}

int runtime_error(const std::string& what) {
  std::fprintf(stderr, "door-scheduler: %s\n", what.c_str());
  return kError;
}

bool option_value(Context& ctx, const std::string& name, std::string& out) {
  if (ctx.next + 1 >= ctx.args.size()) {
    usage_error(name + " needs a value");
    return false;
  }
  out = ctx.args[++ctx.next];
  return true;
}

std::string local_time(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  localtime_r(&t, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

}  // namespace door::scheduler::cli
