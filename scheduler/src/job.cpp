#include "scheduler/job.hpp"

#include <cctype>

namespace door::scheduler {

namespace {
constexpr const char* kJobStatus[] = {"queued",    "scheduled", "running",
                                      "completed", "failed",    "cancelled"};
constexpr const char* kDeviceStatus[] = {"pending", "running", "completed", "failed", "canceled"};

template <class Enum, std::size_t N>
bool parse(const std::string& text, const char* const (&names)[N], Enum& out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}
}  // namespace

const char* to_string(JobType type) {
  return type == JobType::device_method ? "scheduleDeviceMethod" : "scheduleUpdateTwin";
}
const char* to_string(JobStatus status) {
  return kJobStatus[static_cast<int>(status)];
}
const char* to_string(DeviceStatus status) {
  return kDeviceStatus[static_cast<int>(status)];
}
bool parse_job_status(const std::string& text, JobStatus& out) {
  return parse(text, kJobStatus, out);
}
bool parse_device_status(const std::string& text, DeviceStatus& out) {
  return parse(text, kDeviceStatus, out);
}

void Statistics::count(DeviceStatus status, int delta) {
  device_count += delta;
  switch (status) {
    case DeviceStatus::completed: succeeded += delta; break;
    case DeviceStatus::failed:
    case DeviceStatus::canceled: failed += delta; break;
    case DeviceStatus::running: running += delta; break;
    case DeviceStatus::pending: pending += delta; break;
  }
}

bool valid_job_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace door::scheduler
