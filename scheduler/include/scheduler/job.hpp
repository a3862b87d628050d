#pragma once
// Jobs as IoT Hub models them (scheduleDeviceMethod, scheduleUpdateTwin), with the scheduler's
// additions: a recurrence, a rate limit, and waiting for the device's acknowledgement of a twin
// update.
#include <cstdint>
#include <string>

namespace door::scheduler {

enum class JobType { device_method, update_twin };
enum class JobStatus { queued, scheduled, running, completed, failed, cancelled };
enum class DeviceStatus { pending, running, completed, failed, canceled };

const char* to_string(JobType type);  // "scheduleDeviceMethod", "scheduleUpdateTwin"
const char* to_string(JobStatus status);
const char* to_string(DeviceStatus status);
bool parse_job_status(const std::string& text, JobStatus& out);
bool parse_device_status(const std::string& text, DeviceStatus& out);

// Job ids as IoT Hub allows them: 1 to 64 letters, digits and '-'.
bool valid_job_id(const std::string& id);

struct Job {
  std::string id;
  JobType type = JobType::device_method;
  std::string query;
  // scheduleDeviceMethod
  std::string method;
  std::string payload = "null";
  // scheduleUpdateTwin: a merge patch of the desired properties
  std::string patch;
  bool wait_for_ack = false;
  int response_timeout_s = 30;  // per device: the method's answer, or the twin acknowledgement
  int64_t start_time = 0;       // Unix seconds
  int max_execution_s = 3600;
  std::string recurrence;  // empty, "every <seconds>", or "daily HH:MM" (local time)
  double rate = 0;         // devices started per second; 0: no limit
  // Rollout as AWS IoT Jobs has it: the rate grows by this factor each time this many more
  // devices have succeeded (0: a constant rate).
  double rate_increase_factor = 0;
  int rate_increase_every = 0;
  // The abort rule: once at least abort_min_devices devices have ended, more than this share of
  // them failed stops the job (negative: no rule).
  double abort_failed_percent = -1;
  int abort_min_devices = 1;
  JobStatus status = JobStatus::queued;
  int run = 0;  // 1 for the first execution, counting up for a recurring job
  int64_t created = 0;
  int64_t started = 0;
  int64_t ended = 0;
  std::string failure;  // why the job failed, when it did
};

struct DeviceResult {
  std::string device_id;
  DeviceStatus status = DeviceStatus::pending;
  int code = 0;          // the method's status code, or the acknowledgement's ac
  std::string response;  // the method's response, or the reason of a failure
  int64_t started = 0;
  int64_t ended = 0;
};

struct Statistics {
  int device_count = 0;
  int succeeded = 0;
  int failed = 0;
  int running = 0;
  int pending = 0;

  // Counts a device in (delta 1) or out of (delta -1) the figure its status belongs to.
  void count(DeviceStatus status, int delta);
};

}  // namespace door::scheduler
