// door-scheduler: the host side of a door fleet on an MQTT broker. Shows the fleet, schedules jobs
// (invoke a method, update desired properties) for the devices a query selects, and runs them.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "cli.hpp"
#include "hub_commands.hpp"

namespace {

using namespace door::scheduler::cli;

const char* kUsageText =
    "usage: door-scheduler [global options] <command> [command options]\n"
    "\n"
    "commands:\n"
    "  devices [--query Q] [--json]        the fleet, or the devices Q selects\n"
    "  schedule method --method NAME ...   invoke a direct method on the devices Q selects\n"
    "  schedule twin --patch JSON ...      update their desired properties\n"
    "  jobs [--json]                       every job and its status\n"
    "  job ID [--json]                     one job: statistics and each device's result\n"
    "  cancel ID                           cancel a job that has not ended\n"
    "  serve                               run jobs when they are due, until stopped\n"
    "  help [command]                      this text, or a command's\n"
    "\n"
    "global options:\n"
    "  --broker HOST[:PORT]   default localhost:8883 (TLS)\n"
    "  --ca FILE              CA certificates that sign the broker's certificate\n"
    "  --user NAME            default scheduler\n"
    "  --password-file FILE   the password (or set DOOR_SCHEDULER_PASSWORD)\n"
    "  --cert FILE --key FILE a client certificate instead of a password\n"
    "  --iothub CONNECTION    Azure IoT Hub instead of a broker: a service connection\n"
    "                         string HostName=...;SharedAccessKeyName=...;SharedAccessKey=...\n"
    "                         (or set IOTHUB_CONNECTION_STRING); jobs are the hub's own\n"
    "  --store FILE           the job store (SQLite), default\n"
    "                         $XDG_STATE_HOME/door-scheduler/jobs.db or\n"
    "                         ~/.local/state/door-scheduler/jobs.db\n"
    "  --version\n"
    "\n"
    "exit status: 0 done; 1 broker, store or job failure; 2 bad usage; 3 some devices failed;\n"
    "  IoT Hub: 4 key refused (401); 5 permission missing (403); 6 no such job (404);\n"
    "  7 job id exists (409); 8 throttled (429); 9 hub error (5xx); 10 TLS; 11 unreachable\n";

const char* kDevicesHelp =
    "usage: door-scheduler devices [--query Q] [--json]\n"
    "\n"
    "Lists every device that has a status, reported or desired document on the broker: online\n"
    "state, lock and door state, desired version, reported properties.\n"
    "--query takes the IoT Hub query subset: SELECT * FROM devices WHERE <condition>, or the\n"
    "condition alone: deviceId = 'd1', deviceId IN ['a','b'], properties.reported.floor >= 3,\n"
    "properties.desired.building = 43, status.online = true, is_defined(...), AND, OR, NOT, ().\n";

const char* kScheduleHelp =
    "usage: door-scheduler schedule method --query Q --method NAME [--payload JSON] [options]\n"
    "       door-scheduler schedule twin --query Q --patch JSON [--wait-ack] [options]\n"
    "\n"
    "options:\n"
    "  --start WHEN      now (default), \"in 20s\", 2026-11-23T22:00:00Z, 2026-11-23T22:00 "
    "(local)\n"
    "  --in DURATION     the same as --start \"in DURATION\"\n"
    "  --timeout S       per device: the method's answer or the acknowledgement (1-300, 30)\n"
    "  --max-time S      maxExecutionTimeInSeconds of each run (default 3600)\n"
    "  --repeat R        \"every 20s\" (10m, 2h) or \"daily 22:00\" (local time); runs under "
    "serve\n"
    "  --rate N          start at most N devices a second\n"
    "  --wait-ack        twin: a device succeeds when it acknowledges the new $version with 200\n"
    "  --id ID           the job id (letters, digits, '-', up to 64); default generated\n"
    "  --wait            run the job here and show its progress until it ends\n"
    "  --json            print the job as JSON\n"
    "\n"
    "With --iothub the job is created on IoT Hub (jobs/v2) and the hub runs it; --rate and\n"
    "--wait-ack do not exist there, and serve creates the runs of a --repeat job.\n";

const char* kJobsHelp =
    "usage: door-scheduler jobs [--json]\n"
    "\n"
    "Every job in the store: id, type, status, start time and its latest run's device counts.\n";

const char* kJobHelp =
    "usage: door-scheduler job ID [--json]\n"
    "\n"
    "One job: status, query, start, repeat, the statistics of its latest run (deviceCount,\n"
    "succeededCount, failedCount, runningCount, pendingCount) and each device's status, code\n"
    "and response or reason. --json prints it as IoT Hub reports jobs.\n";

const char* kCancelHelp =
    "usage: door-scheduler cancel ID\n"
    "\n"
    "Cancels a job that is queued, scheduled or running (a running job stops within a second;\n"
    "its open devices become canceled). Exit status 1 when no such job is waiting or running.\n";

const char* kServeHelp =
    "usage: door-scheduler serve\n"
    "\n"
    "Runs jobs when their start time comes, one at a time, and repeating jobs again at their next\n"
    "time, until SIGTERM or SIGINT. Jobs stored before a restart still run. A run belongs to the\n"
    "scheduler that claimed it while that one renews its lease; a run whose scheduler stopped is\n"
    "taken over once its lease expires (30 s) and asks again the devices it had no answer from.\n"
    "A lost broker connection is retried with backoff (1 s doubling to 30 s).\n";

bool read_password(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::getline(in, out);
  return true;
}

std::string default_store() {
  const char* state = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  if (state != nullptr && *state != '\0') return std::string(state) + "/door-scheduler/jobs.db";
  return std::string(home != nullptr ? home : ".") + "/.local/state/door-scheduler/jobs.db";
}

int help(const std::string& topic) {
  if (topic == "devices") {
    std::fputs(kDevicesHelp, stdout);
  } else if (topic == "schedule") {
    std::fputs(kScheduleHelp, stdout);
  } else if (topic == "serve") {
    std::fputs(kServeHelp, stdout);
  } else if (topic == "jobs") {
    std::fputs(kJobsHelp, stdout);
  } else if (topic == "job") {
    std::fputs(kJobHelp, stdout);
  } else if (topic == "cancel") {
    std::fputs(kCancelHelp, stdout);
  } else {
    std::fputs(kUsageText, stdout);
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows line by line, also through a pipe
  Context ctx;
  ctx.args.assign(argv + 1, argv + argc);
  ctx.store_path = default_store();
  if (const char* password = std::getenv("DOOR_SCHEDULER_PASSWORD")) ctx.broker.password = password;
  if (const char* hub = std::getenv("IOTHUB_CONNECTION_STRING")) ctx.iothub = hub;
  std::string command;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string a = ctx.args[ctx.next];
    std::string v;
    if (a == "--version") {
      std::printf("door-scheduler %s\n", DOOR_AGENT_VERSION);
      return kOk;
    } else if (a == "--help" || a == "-h") {
      return help("");
    } else if (a == "--broker") {
      if (!option_value(ctx, a, v)) return kUsage;
      const auto colon = v.rfind(':');
      ctx.broker.host = v.substr(0, colon);
      if (colon != std::string::npos) {
        char* end = nullptr;
        const long port = std::strtol(v.c_str() + colon + 1, &end, 10);
        if (*end != '\0' || port < 1 || port > 65535)
          return usage_error("bad port in --broker " + v);
        ctx.broker.port = static_cast<int>(port);
      }
    } else if (a == "--ca") {
      if (!option_value(ctx, a, ctx.broker.ca_file)) return kUsage;
    } else if (a == "--user") {
      if (!option_value(ctx, a, ctx.broker.username)) return kUsage;
    } else if (a == "--password-file") {
      if (!option_value(ctx, a, v)) return kUsage;
      if (!read_password(v, ctx.broker.password)) return usage_error("cannot read " + v);
    } else if (a == "--cert") {
      if (!option_value(ctx, a, ctx.broker.client_cert_file)) return kUsage;
    } else if (a == "--key") {
      if (!option_value(ctx, a, ctx.broker.client_key_file)) return kUsage;
    } else if (a == "--iothub") {
      if (!option_value(ctx, a, ctx.iothub)) return kUsage;
    } else if (a == "--store") {
      if (!option_value(ctx, a, ctx.store_path)) return kUsage;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a);
    } else {
      command = a;
      ++ctx.next;
      break;
    }
  }
  const bool wants_help = ctx.next < ctx.args.size() && ctx.args[ctx.next] == "--help";
  if (command.empty()) return usage_error("no command given");
  if (command == "help") return help(ctx.next < ctx.args.size() ? ctx.args[ctx.next] : "");
  if (wants_help) return help(command);
  if (!ctx.iothub.empty() && command != "schedule") return hub_command(command, ctx);
  if (command == "devices") return devices_command(ctx);
  if (command == "schedule") return schedule_command(ctx);
  if (command == "jobs") return jobs_command(ctx);
  if (command == "job") return job_command(ctx);
  if (command == "cancel") return cancel_command(ctx);
  if (command == "serve") return serve_command(ctx);
  return usage_error("unknown command '" + command + "'");
}
