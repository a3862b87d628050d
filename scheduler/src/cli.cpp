#include "cli.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>

#include "port/clock.hpp"
#include "protocol/duration.hpp"
#include "protocol/json_document.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/schedule.hpp"

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

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    char escaped[8];
    if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // C1 control in UTF-8 (U+0080-009F)
      std::snprintf(escaped, sizeof escaped, "\\u%04x", next);
      out += escaped;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string shown_time(const Context& ctx, int64_t unix_seconds) {
  if (!ctx.local_time) return iso_utc(unix_seconds);
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  localtime_r(&t, &parts);
  char text[48];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %Z %z", &parts);
  return text;
}

bool user_json(const char* option, const std::string& text, std::string& error) {
  protocol::JsonRefusal refusal;
  JsonDocument document(protocol::parse_json_document(text, &refusal));
  if (document) return true;
  error = std::string(option) + " is not valid JSON";
  if (refusal.repeated_member) {
    error += refusal.member[0] != '\0'
                 ? std::string(": the member \"") + refusal.member + "\" is given twice"
                 : std::string(": a member is given twice");
  } else {
    error += " (at byte " + std::to_string(refusal.offset) + ")";
  }
  return false;
}

namespace {

// Days as "30d", up to ten years; -1 for anything else.
int64_t parse_days(const std::string& text) {
  constexpr int64_t kMaxDays = 3660;
  char* end = nullptr;
  const long long days = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) || end == nullptr ||
      std::string(end) != "d" || days < 1 || days > kMaxDays) {
    return -1;
  }
  return days * 86400;
}

}  // namespace

bool parse_past(const std::string& option, const std::string& text, int64_t& out) {
  std::string error;
  const int64_t now = port::wall_seconds();
  const int64_t days = parse_days(text);
  const port::Result<int64_t> duration = protocol::parse_duration(text);
  const int64_t ago = days > 0 ? days : duration.is_ok() ? duration.value() : -1;
  out = ago > 0 ? now - ago : parse_start(text, now, error);
  if (out >= 0) return true;
  usage_error(option + ": a duration ago (30m, 2h, 30d) or a time such as " +
              "2026-11-23T22:00:00Z (UTC) or 2026-11-23T22:00 (local)");
  return false;
}

void log_line(const std::string& text) {
  std::printf("%s %s\n", iso_utc(port::wall_seconds()).c_str(), text.c_str());
}

std::string generated_id() {
  std::random_device random;
  char id[40];
  std::snprintf(id, sizeof id, "job-%lld-%04x", static_cast<long long>(port::wall_seconds()),
                random() & 0xffff);
  return id;
}

}  // namespace door::scheduler::cli
