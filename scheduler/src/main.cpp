// door-scheduler: the host side of a door fleet on an MQTT broker. Shows the fleet, schedules jobs
// (invoke a method, update desired properties) for the devices a query selects, and runs them.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "cli.hpp"
#include "hub_commands.hpp"
#include "secret_file.hpp"

namespace {

using namespace door::scheduler::cli;

const char* kUsageText =
    "usage: door-scheduler [global options] <command> [command options]\n"
    "\n"
    "commands:\n"
    "  devices [--query Q] [--json]        the fleet, or the devices Q selects\n"
    "  call DEVICE METHOD [PAYLOAD]        invoke a direct method on one device now\n"
    "  twin show DEVICE                    one device's twin: status, desired, reported\n"
    "  twin set DEVICE PATCH               update one device's desired properties now\n"
    "  monitor [DEVICE...]                 print door events and status changes as they come\n"
    "  schedule method --method NAME ...   invoke a direct method on the devices Q selects\n"
    "  schedule twin --patch JSON ...      update their desired properties\n"
    "  jobs [--status S] [--type T] [--since WHEN] [--json]\n"
    "                                      the jobs and their status\n"
    "  job ID [--json]                     one job: all it is, and each device's result\n"
    "  watch ID [--json]                   follow a job's run to its end, whoever runs it\n"
    "  cancel ID                           cancel a job that has not ended\n"
    "  purge --before WHEN                 delete the jobs that ended before WHEN\n"
    "  serve [--max-concurrent N]          run jobs when they are due and record door events,\n"
    "                                      until stopped\n"
    "  run ID                              run one due job here (what serve starts per job)\n"
    "  record                              store every device's door events until stopped\n"
    "  events [--device ID] [--since WHEN] [--alarms] [--json]\n"
    "                                      the stored door events, and the seqs missing\n"
    "  help [command]                      this text, or a command's\n"
    "\n"
    "global options:\n"
    "  --broker HOST[:PORT]   default localhost:8884 (TLS: the broker's service listener)\n"
    "  --ca FILE              CA certificates that sign the broker's certificate\n"
    "  --user NAME            default scheduler\n"
    "  --password-file FILE   the password (or set DOOR_SCHEDULER_PASSWORD)\n"
    "  --cert FILE --key FILE a client certificate instead of a password\n"
    "  --iothub-file FILE     Azure IoT Hub instead of a broker: FILE (mode 0600) holds a\n"
    "                         service connection string HostName=...;SharedAccessKeyName=...;\n"
    "                         SharedAccessKey=... (or set IOTHUB_CONNECTION_STRING); jobs are\n"
    "                         the hub's own\n"
    "  --store FILE           the job store (SQLite), default\n"
    "                         $XDG_STATE_HOME/door-scheduler/jobs.db or\n"
    "                         ~/.local/state/door-scheduler/jobs.db\n"
    "  --local-time           show times in local time with the zone (default UTC, with Z)\n"
    "  --version\n"
    "\n"
    "exit status: 0 done (every device succeeded); 1 the broker or the store failed, or the job\n"
    "failed; 2 bad usage; 3 some devices failed or were canceled, or the job was cancelled;\n"
    "IoT Hub: 4 key refused (401); 5 permission missing (403); 6 no such job (404);\n"
    "7 job id exists (409); 8 throttled (429); 9 hub error (5xx); 10 TLS; 11 unreachable\n"
    "Every command takes --help (or -h).\n";

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
    "  --rate-increase-factor F  --rate-increase-every K\n"
    "                    the rate grows F times (1.1-5) each time K more devices succeeded\n"
    "  --abort-failed-percent P  --abort-min-devices M\n"
    "                    stop the job when more than P % of at least M ended devices failed\n"
    "                    (M default 1); the devices not yet done are canceled, the job fails\n"
    "  --wait-ack        twin: a device succeeds when it acknowledges the new $version with 200\n"
    "  --id ID           the job id (letters, digits, '-', up to 64); default generated\n"
    "  --wait            follow the job to its end with its progress (run here, or by serve)\n"
    "  --json            print the job as JSON (IoT Hub's names); progress goes to stderr\n"
    "\n"
    "--query and --method (method) or --patch (twin) are required. A start more than a minute\n"
    "in the past is refused. \"daily HH:MM\" without --start first runs at the next HH:MM.\n"
    "Exit status with --wait: 0 every device succeeded, 3 some failed, 1 the job failed.\n"
    "\n"
    "On IoT Hub the job is created there (jobs/v2) and the hub runs it; --rate, the\n"
    "rate growth, the abort rule and --wait-ack do not exist there, and serve creates the runs\n"
    "of a --repeat job.\n";

const char* kJobsHelp =
    "usage: door-scheduler jobs [--status S] [--type T] [--since WHEN] [--json]\n"
    "\n"
    "The jobs in the store: id, type, status, start time and its latest run's device counts.\n"
    "  --status S     queued, scheduled, running, completed, failed or cancelled\n"
    "  --type T       method (scheduleDeviceMethod) or twin (scheduleUpdateTwin)\n"
    "  --since WHEN   created since: a duration ago (30m, 2h, 30d) or a time such as\n"
    "                 2026-11-23T22:00:00Z (UTC) or 2026-11-23T22:00 (local)\n";

const char* kRunHelp =
    "usage: door-scheduler run ID\n"
    "\n"
    "Claims the job when it is due (its start time has come, or the lease of the scheduler\n"
    "running it expired) and runs it here, logging as serve does; serve starts one run process\n"
    "for each job it runs. Exit status as the job's: 0, 3 some devices failed, 1 failed or not\n"
    "claimed (not due, or another scheduler runs it).\n";

const char* kCallHelp =
    "usage: door-scheduler call DEVICE METHOD [PAYLOAD] [--timeout S]\n"
    "\n"
    "Invokes a direct method on one device now, as az iot hub invoke-device-method does, and\n"
    "prints {\"status\": ..., \"payload\": ...}. PAYLOAD is JSON (default null); --timeout is the\n"
    "response timeout, 1-300 s (30). Exit status 0 on a 2xx answer, 3 on a 4xx or 5xx answer,\n"
    "1 with no answer in time (the device offline, or silent).\n";

const char* kTwinHelp =
    "usage: door-scheduler twin show DEVICE\n"
    "       door-scheduler twin set DEVICE PATCH [--wait-ack] [--timeout S]\n"
    "\n"
    "show prints the device's twin as the broker's retained documents hold it: deviceId,\n"
    "connectionState, status, properties.desired and properties.reported. set applies a JSON\n"
    "merge patch (null deletes a key) to its desired properties now, as a one-device twin job\n"
    "(kept in the store, with the $version rules of schedule twin); --wait-ack waits for the\n"
    "device's acknowledgement (up to --timeout, 30 s). Exit status 0 done, 3 refused, 1 error.\n";

const char* kMonitorHelp =
    "usage: door-scheduler monitor [DEVICE...] [--count N] [--timeout S] [--json]\n"
    "\n"
    "Prints the door events (telemetry) and status changes (online, offline) of every device, or\n"
    "of those named, as they arrive, with their time in UTC, until interrupted, N have been\n"
    "printed or S seconds have passed. --json prints one JSON object a line (time, deviceId,\n"
    "kind, payload). Exit status 1 when --count was not reached.\n";

const char* kPurgeHelp =
    "usage: door-scheduler purge --before WHEN\n"
    "\n"
    "Deletes the jobs that ended (completed, failed or cancelled) before WHEN, with their\n"
    "devices' results: a duration ago (30d, 2h) or a time such as 2026-11-01T00:00:00Z. Jobs\n"
    "waiting or running, and repeating jobs, stay. IoT Hub keeps job history for 30 days.\n";

const char* kJobHelp =
    "usage: door-scheduler job ID [--json]\n"
    "\n"
    "One job: status, type, method and payload or patch, query, creation and start times,\n"
    "repeat, its latest run's times, limits, the statistics of that run (deviceCount,\n"
    "succeededCount, failedCount, runningCount, pendingCount) and each device's status, code\n"
    "and response or reason. --json prints it as IoT Hub reports jobs.\n"
    "Exit status 3 when a device of its latest run failed or was canceled, 1 when it failed.\n";

const char* kWatchHelp =
    "usage: door-scheduler watch ID [--json]\n"
    "\n"
    "Follows the job's run under way, or its next run, through the store until it ends, whoever\n"
    "runs it (serve, or another scheduler's --wait): each device's result as it comes and the\n"
    "progress (a bar on a terminal, a line a second otherwise, on stderr), then the statistics.\n"
    "Exit status as the job's: 0 every device succeeded, 3 some failed or were canceled, 1 the\n"
    "job failed. Interrupting watch leaves the job running. On IoT Hub it follows the job\n"
    "on the hub (a look a second).\n";

const char* kCancelHelp =
    "usage: door-scheduler cancel ID\n"
    "\n"
    "Cancels a job that is queued, scheduled or running (a running job stops within a second;\n"
    "its open devices become canceled). Exit status 1 when no such job is waiting or running.\n";

const char* kServeHelp =
    "usage: door-scheduler serve [--max-concurrent N]\n"
    "\n"
    "Runs jobs when their start time comes, up to N at once (1-100, default 10 as IoT Hub S3),\n"
    "each over a broker connection of its own, and repeating jobs again at their next time,\n"
    "until SIGTERM or SIGINT (running jobs are finished first). Each log line starts with its\n"
    "time in UTC. Jobs stored before a restart still run. A run belongs to the scheduler that\n"
    "claimed it while that one renews its lease; a run whose scheduler stopped is taken over\n"
    "once its lease expires (30 s) and asks again the devices it had no answer from. A lost\n"
    "broker connection is retried with backoff (1 s doubling to 30 s).\n"
    "It also records every device's door events into the store, in a door-scheduler record\n"
    "process of its own (see help record), started again 30 s after it ended.\n"
    "On IoT Hub the hub runs the jobs; serve creates each run of a repeating hub job when it\n"
    "is due, and takes no --max-concurrent.\n";

const char* kRecordHelp =
    "usage: door-scheduler record\n"
    "\n"
    "Stores every device's door events (devices/+/messages/events/) in the store until SIGTERM\n"
    "or SIGINT, each event once, for sites that do not run serve (serve records them itself).\n"
    "It reads them through the store's persistent broker session (clean session off, a client id\n"
    "the store keeps), so the broker queues the events that come while no recorder runs. One\n"
    "process at a time records into a store, under a lease as job runs have: another waits until\n"
    "it stops. A lost broker connection is retried with backoff (1 s doubling to 30 s). Its log\n"
    "lines start with their time in UTC: the connection's changes, each message skipped (not an\n"
    "event of a valid device id) with the reason, the store's trouble. Exit status 1 when the\n"
    "store cannot be opened or the first connection fails.\n";

const char* kEventsHelp =
    "usage: door-scheduler events [--device ID] [--since WHEN] [--alarms] [--json]\n"
    "\n"
    "The door events record and serve stored: devices in name order, each device's events in seq\n"
    "order (those of older agents, without a seq, first), one a line: time (the device's, or the\n"
    "time received when it had none), device, seq, event, details (alarm raised or cleared, seqs\n"
    "dropped, lock and door state). Where seqs are missing between the lowest and the highest\n"
    "stored it says so: \"door-1: seq 101-180 missing (dropped by the device's full journal)\"\n"
    "when an eventsDropped notice names them, else \"(not received)\". A seq that begins again\n"
    "(the device lost its journal) starts a new epoch, said in a line, not a gap.\n"
    "  --device ID     one device's events\n"
    "  --since WHEN    those that happened since: a duration ago (30m, 2h, 30d) or a time such\n"
    "                  as 2026-11-23T22:00:00Z (UTC) or 2026-11-23T22:00 (local)\n"
    "  --alarms        alarm events only; the gaps still show (an alarm may be among them)\n"
    "  --json          {\"events\": [...], \"gaps\": [...]}: each event's deviceId, epoch, seq,\n"
    "                  event, at, received, alarm, active and payload; each gap's deviceId,\n"
    "                  epoch, from, to, count and reason (dropped or notReceived)\n";

// The secret in the file the option names; false once the usage message is out.
bool secret_option(Context& ctx, const std::string& name, FileAccess access,
                   door::port::SecretString& out) {
  std::string path;
  std::string error;
  if (!option_value(ctx, name, path)) return false;
  if (read_secret_line(path, access, out, error)) return true;
  usage_error(error);
  return false;
}

std::string default_store() {
  const char* state = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  if (state != nullptr && *state != '\0') return std::string(state) + "/door-scheduler/jobs.db";
  return std::string(home != nullptr ? home : ".") + "/.local/state/door-scheduler/jobs.db";
}

const std::map<std::string, const char*> kCommandHelp = {
    {"devices", kDevicesHelp}, {"schedule", kScheduleHelp}, {"jobs", kJobsHelp},
    {"job", kJobHelp},         {"watch", kWatchHelp},       {"cancel", kCancelHelp},
    {"serve", kServeHelp},     {"purge", kPurgeHelp},       {"run", kRunHelp},
    {"call", kCallHelp},       {"twin", kTwinHelp},         {"monitor", kMonitorHelp},
    {"record", kRecordHelp},   {"events", kEventsHelp},     {"help", kUsageText}};

// The general help, or a command's; an unknown command is bad usage, not the general help.
int help(const std::string& topic) {
  if (topic.empty()) {
    std::fputs(kUsageText, stdout);
    return kOk;
  }
  const auto text = kCommandHelp.find(topic);
  if (text == kCommandHelp.end()) return usage_error("no command '" + topic + "' to help with");
  std::fputs(text->second, stdout);
  return kOk;
}

bool asks_for_help(const std::string& arg) {
  return arg == "--help" || arg == "-h";
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows line by line, also through a pipe
  // Its keys (the hub's service key opens every door) never go to a core file or to another
  // process of its user.
  door::port::protect_process();
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
    } else if (asks_for_help(a)) {
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
      if (!secret_option(ctx, a, FileAccess::any, ctx.broker.password)) return kUsage;
    } else if (a == "--cert") {
      if (!option_value(ctx, a, ctx.broker.client_cert_file)) return kUsage;
    } else if (a == "--key") {
      if (!option_value(ctx, a, ctx.broker.client_key_file)) return kUsage;
    } else if (a == "--iothub") {
      return usage_error(
          "--iothub: a connection string on the command line is in the process list for every "
          "user to read; put it in a file only you can read and give --iothub-file FILE, or set "
          "IOTHUB_CONNECTION_STRING");
    } else if (a == "--iothub-file") {
      if (!secret_option(ctx, a, FileAccess::owner_group, ctx.iothub)) return kUsage;
    } else if (a == "--local-time") {
      ctx.local_time = true;
    } else if (a == "--store") {
      if (!option_value(ctx, a, ctx.store_path)) return kUsage;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a);
    } else {
      command = a;
      ctx.global_args.assign(ctx.args.begin(), ctx.args.begin() + static_cast<long>(ctx.next));
      ++ctx.next;
      break;
    }
  }
  if (command.empty()) return usage_error("no command given");
  if (command == "help") {
    if (ctx.next + 1 < ctx.args.size()) return usage_error("help takes one command");
    const std::string topic = ctx.next < ctx.args.size() ? ctx.args[ctx.next] : "";
    return help(asks_for_help(topic) ? "help" : topic);
  }
  // Anywhere after the command, also after a subcommand (schedule method --help).
  for (std::size_t i = ctx.next; i < ctx.args.size(); ++i) {
    if (asks_for_help(ctx.args[i])) return help(command);
  }
  if (!ctx.iothub.empty()) {
    if (command == "record" || command == "events") {
      runtime_error(command +
                    ": the door events of an IoT Hub fleet are read from the hub's built-in "
                    "endpoint (Event Hubs-compatible), which door-scheduler does not read; see "
                    "message routing in docs/azure-iot-hub.md");
      return kUsage;
    }
    for (const char* broker_only : {"purge", "run", "call", "twin", "monitor"}) {
      if (command == broker_only) {
        return usage_error(command +
                           " works with a broker, not on IoT Hub (docs/scheduler.md says what "
                           "applies on IoT Hub)");
      }
    }
    if (command != "schedule") return hub_command(command, ctx);
  }
  if (command == "devices") return devices_command(ctx);
  if (command == "schedule") return schedule_command(ctx);
  if (command == "jobs") return jobs_command(ctx);
  if (command == "job") return job_command(ctx);
  if (command == "watch") return watch_command(ctx);
  if (command == "cancel") return cancel_command(ctx);
  if (command == "purge") return purge_command(ctx);
  if (command == "run") return run_command(ctx);
  if (command == "call") return call_command(ctx);
  if (command == "twin") return twin_command(ctx);
  if (command == "monitor") return monitor_command(ctx);
  if (command == "serve") return serve_command(ctx);
  if (command == "record") return record_command(ctx);
  if (command == "events") return events_command(ctx);
  return usage_error("unknown command '" + command + "'");
}
