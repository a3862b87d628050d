// The door event audit log: `record` and `serve` store the events devices publish, once each, over
// the store's persistent broker session; `events` lists them with the seqs that are missing. Real
// Mosquitto (keeping its sessions on disk, as a production broker does), the real scheduler
// processes, and devices played by MQTT clients with the devices' own credentials.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

#include "agent_process.hpp"
#include "mqtt_client.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler_fixture.hpp"

namespace door::test {
namespace {

using scheduler::JsonDocument;

class SchedulerEvents : public ::testing::Test {
 protected:
  // Publishes as the device does: its own credentials, QoS 1, its events topic.
  void publish(const std::string& device, const std::string& payload) {
    auto& client = devices_[device];
    if (!client) {
      client = std::make_unique<MqttClient>(device_options(broker_, device));
      ASSERT_EQ(client->connect(), "");
    }
    ASSERT_TRUE(client->publish("devices/" + device + "/messages/events/", payload)) << device;
  }

  // Polls the store through `events --json` until it lists `count` events; that listing.
  JsonDocument await_events(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      const CliResult r = cli_.run({"events", "--json"});
      JsonDocument listing(cJSON_Parse(r.output.c_str()));
      const int listed = cJSON_GetArraySize(cJSON_GetObjectItem(listing.get(), "events"));
      if (listed >= static_cast<int>(count)) return listing;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the store holds " << listed << " events, not " << count << ":\n"
                      << r.output;
        return listing;
      }
      std::this_thread::sleep_for(100ms);
    }
  }

  // Starts `record` and waits until it has subscribed.
  std::unique_ptr<Process> start_record() {
    auto record = std::make_unique<Process>(cli_.argv({"record"}));
    EXPECT_TRUE(record->wait_for_output(
        "events: recording into " + cli_.store_path() + " (broker session door-scheduler-events-",
        30s))
        << record->output();
    return record;
  }

  // Stops a recorder with a signal; it says so in one line and exits 0.
  static void stop(Process& process, int signal_number) {
    const std::size_t lines = process.line_count();
    process.signal(signal_number);
    const auto status = process.wait_exit(30s);
    ASSERT_TRUE(status && WIFEXITED(*status)) << process.output();
    EXPECT_EQ(WEXITSTATUS(*status), 0) << process.output();
    EXPECT_EQ(process.line_count(), lines + 1) << process.output();
    EXPECT_TRUE(has(process.output(), " events: stopped\n")) << process.output();
  }

  CliResult events(const std::vector<std::string>& options) {
    std::vector<std::string> args = {"events"};
    args.insert(args.end(), options.begin(), options.end());
    return cli_.run(args);
  }

  Broker broker_{"server", Broker::Persistence::on_disk};
  SchedulerCli cli_{broker_};
  std::map<std::string, std::unique_ptr<MqttClient>> devices_;
};

// The events of one device in a listing, by seq (-1 for none), as "event" or "event:alarm".
std::vector<std::pair<long, std::string>> events_of(const JsonDocument& listing,
                                                    const std::string& device) {
  std::vector<std::pair<long, std::string>> out;
  const cJSON* e = nullptr;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(listing.get(), "events")) {
    if (std::string(cJSON_GetObjectItem(e, "deviceId")->valuestring) != device) continue;
    const cJSON* seq = cJSON_GetObjectItem(e, "seq");
    std::string name = cJSON_GetObjectItem(e, "event")->valuestring;
    if (const cJSON* alarm = cJSON_GetObjectItem(e, "alarm"))
      name += std::string(":") + alarm->valuestring;
    out.emplace_back(cJSON_IsNumber(seq) ? static_cast<long>(seq->valuedouble) : -1, name);
  }
  return out;
}

const char* const kLocked1 =
    R"({"seq":1,"event":"locked","lock":"locked","door":"closed","at":"2026-12-07T22:05:29Z"})";
const char* const kOpened2 =
    R"({"seq":2,"event":"opened","lock":"locked","door":"open","alarms":{"forcedOpen":"2026-12-07T22:06:00Z"},"at":"2026-12-07T22:06:00Z"})";
const char* const kAlarm3 =
    R"({"seq":3,"event":"alarm","alarm":"forcedOpen","active":true,"lock":"locked","door":"open","alarms":{"forcedOpen":"2026-12-07T22:06:00Z"},"at":"2026-12-07T22:06:00Z"})";
// The same event as the journal may replay it: other spacing, other member order.
const char* const kAlarm3Again =
    R"({ "at": "2026-12-07T22:06:00Z", "seq": 3, "event": "alarm", "active": true, "alarm": "forcedOpen", "lock": "locked", "door": "open", "alarms": { "forcedOpen": "2026-12-07T22:06:00Z" } })";
const char* const kCleared4 =
    R"({"seq":4,"event":"alarm","alarm":"forcedOpen","active":false,"lock":"locked","door":"closed","at":"2026-12-07T22:06:09Z"})";
const char* const kClosed10 =
    R"({"seq":10,"event":"closed","lock":"locked","door":"closed","at":"2026-12-07T22:07:00Z"})";
const char* const kDropped200 =
    R"({"seq":200,"event":"eventsDropped","from":101,"to":180,"count":80,"droppedTotal":80,"at":"2026-12-07T22:10:00Z"})";
// The device's clock was not set: the time received stands for it.
const char* const kUnlocked201 =
    R"({"seq":201,"event":"unlocked","lock":"unlocked","door":"closed","until":"2026-12-07T22:17:00Z"})";

TEST_F(SchedulerEvents, RecordStoresEachEventOnceAndSaysWhichSeqsAreMissing) {
  {
    // An event published retained comes back with every subscription: an old copy, not news.
    MqttClient service(scheduler_options(broker_));
    ASSERT_EQ(service.connect(), "");
    ASSERT_TRUE(service.publish("devices/door-5/messages/events/",
                                R"({"seq":1,"event":"locked","at":"2026-12-07T22:00:00Z"})", 1,
                                true));
  }
  const std::unique_ptr<Process> record = start_record();
  for (const char* payload : {kLocked1, kLocked1, kOpened2, kAlarm3, kAlarm3Again, kCleared4,
                              kClosed10, kOpened2, kDropped200, kUnlocked201}) {
    publish("door-1", payload);
  }
  // An older agent's events have no seq: both are kept, nothing can tell them apart.
  const char* const old_agent = R"({"event":"locked","lock":"locked","door":"closed"})";
  publish("door-2", old_agent);
  publish("door-2", old_agent);
  publish("door-2", R"({"seq":5,"event":"state","lock":"unlocked","door":"closed",)"
                    R"("until":"2026-12-07T22:07:00Z","at":"2026-12-07T22:06:30Z"})");
  // Hostile input: each skipped with its reason, none stored, the recorder goes on.
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"{", "not one JSON document (at byte 0)"},
      {R"({"seq":"7","event":"locked"})", "seq is not an integer from 1 to 2^53"},
      {R"({"seq":0,"event":"locked"})", "seq is not an integer from 1 to 2^53"},
      {"[1,2]", "not a JSON object"},
      {R"({"seq":8,"event":"locked","event":"unlocked"})", "a member is given twice"},
      {R"({"seq":8,"lock":"locked"})", "no event name"},
      {R"({"seq":8,"event":"alarm","alarm":"forcedOpen"})",
       "an alarm event needs alarm (a name) and active (true or false)"},
      {R"({"seq":8,"event":"eventsDropped","from":9,"to":3})",
       "eventsDropped needs from and to, seqs with from <= to < its own seq"},
      {R"({"seq":8,"event":"locked","at":"yesterday"})", "at is not an ISO 8601 UTC time"},
      {R"({"seq":8,"event":"locked","pad":")" + std::string(5000, 'x') + "\"}",
       "5035 bytes, over the limit of 4096"}};
  for (const auto& [payload, reason] : hostile) publish("door-3", payload);
  {
    MqttClient service(scheduler_options(broker_));
    ASSERT_EQ(service.connect(), "");
    ASSERT_TRUE(service.publish("devices/door!1/messages/events/", kLocked1));
  }
  publish("door-3", R"({"seq":1,"event":"state","lock":"locked","door":"closed"})");

  const JsonDocument listing = await_events(11);
  ASSERT_TRUE(record->wait_for_count("skipped a message on", hostile.size() + 2, 30s))
      << record->output();
  for (const auto& [payload, reason] : hostile) {
    EXPECT_TRUE(
        has(record->output(),
            " events: skipped a message on devices/door-3/messages/events/: " + reason + "\n"))
        << reason << "\n"
        << record->output();
  }
  EXPECT_TRUE(has(record->output(),
                  "skipped a message on devices/door!1/messages/events/: the topic's device id is "
                  "not one"))
      << record->output();
  EXPECT_TRUE(has(record->output(),
                  "skipped a message on devices/door-5/messages/events/: retained, an old copy"))
      << record->output();

  // Once each: the replays of seq 1, 2 and 3 (spaced and ordered otherwise) are not stored again,
  // and a replayed seq below the highest is not taken for a new sequence.
  const std::vector<std::pair<long, std::string>> door_1 = {
      {1, "locked"},  {2, "opened"},          {3, "alarm:forcedOpen"}, {4, "alarm:forcedOpen"},
      {10, "closed"}, {200, "eventsDropped"}, {201, "unlocked"}};
  EXPECT_EQ(events_of(listing, "door-1"), door_1);
  const std::vector<std::pair<long, std::string>> door_2 = {
      {-1, "locked"}, {-1, "locked"}, {5, "state"}};
  EXPECT_EQ(events_of(listing, "door-2"), door_2);
  const std::vector<std::pair<long, std::string>> door_3 = {{1, "state"}};
  EXPECT_EQ(events_of(listing, "door-3"), door_3);
  EXPECT_TRUE(events_of(listing, "door-5").empty());

  const CliResult text = events({});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  // Devices in name order, each by seq, the gaps in place.
  const std::vector<std::string> in_order = {
      "TIME                 DEVICE                    SEQ EVENT         DETAILS\n",
      "2026-12-07T22:05:29Z door-1                      1 locked        lock=locked door=closed\n",
      "2026-12-07T22:06:00Z door-1                      3 alarm         forcedOpen raised "
      "lock=locked door=open\n",
      "2026-12-07T22:06:09Z door-1                      4 alarm         forcedOpen cleared "
      "lock=locked door=closed\n",
      "door-1: seq 5-9 missing (not received)\n",
      "2026-12-07T22:07:00Z door-1                     10 closed        lock=locked door=closed\n",
      "door-1: seq 11-100 missing (not received)\n",
      "door-1: seq 101-180 missing (dropped by the device's full journal)\n",
      "door-1: seq 181-199 missing (not received)\n",
      "2026-12-07T22:10:00Z door-1                    200 eventsDropped seq 101-180 dropped\n",
      "door-1                    201 unlocked      lock=unlocked door=closed (no device time: time "
      "received)\n",
      "door-2                      - locked        lock=locked door=closed (no device time: time "
      "received)\n",
      "2026-12-07T22:06:30Z door-2                      5 state         lock=unlocked "
      "door=closed\n",
      "door-3                      1 state         lock=locked door=closed (no device time"};
  std::size_t at = 0;
  for (const std::string& line : in_order) {
    const auto found = text.output.find(line, at);
    ASSERT_NE(found, std::string::npos) << "missing, or out of order: " << line << "\n"
                                        << text.output;
    at = found + line.size();
  }
  EXPECT_EQ(std::count(text.output.begin(), text.output.end(), '\n'), 16) << text.output;

  // The gaps in JSON, and an event as the device sent it.
  const CliResult json = events({"--json", "--device", "door-1"});
  EXPECT_EQ(json.exit_code, 0) << json.output;
  JsonDocument door_1_json(cJSON_Parse(json.output.c_str()));
  ASSERT_TRUE(door_1_json) << json.output;
  std::vector<std::string> gaps;
  const cJSON* gap = nullptr;
  cJSON_ArrayForEach(gap, cJSON_GetObjectItem(door_1_json.get(), "gaps")) {
    gaps.push_back(std::to_string(cJSON_GetObjectItem(gap, "from")->valueint) + "-" +
                   std::to_string(cJSON_GetObjectItem(gap, "to")->valueint) + " " +
                   std::to_string(cJSON_GetObjectItem(gap, "count")->valueint) + " " +
                   cJSON_GetObjectItem(gap, "reason")->valuestring);
  }
  const std::vector<std::string> expected_gaps = {"5-9 5 notReceived", "11-100 90 notReceived",
                                                  "101-180 80 dropped", "181-199 19 notReceived"};
  EXPECT_EQ(gaps, expected_gaps);
  const cJSON* alarm = cJSON_GetArrayItem(cJSON_GetObjectItem(door_1_json.get(), "events"), 2);
  EXPECT_TRUE(has(json.output, R"("forcedOpen":	"2026-12-07T22:06:00Z")")) << json.output;
  EXPECT_EQ(std::string(cJSON_GetObjectItem(alarm, "alarm")->valuestring), "forcedOpen");
  EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(alarm, "active")));
  EXPECT_EQ(std::string(cJSON_GetObjectItem(alarm, "at")->valuestring), "2026-12-07T22:06:00Z");
  EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(
      cJSON_GetArrayItem(cJSON_GetObjectItem(door_1_json.get(), "events"), 6), "at")));

  // --alarms: the alarm events alone, and still the gaps (an alarm may be among them).
  const CliResult alarms = events({"--alarms", "--device", "door-1"});
  EXPECT_EQ(alarms.exit_code, 0) << alarms.output;
  EXPECT_TRUE(has(alarms.output, "forcedOpen raised")) << alarms.output;
  EXPECT_TRUE(has(alarms.output, "forcedOpen cleared")) << alarms.output;
  EXPECT_FALSE(has(alarms.output, " locked ")) << alarms.output;
  EXPECT_TRUE(has(alarms.output, "door-1: seq 101-180 missing")) << alarms.output;
  // --since: what happened since, and the gaps before what is listed.
  const CliResult since = events({"--since", "2026-12-07T22:06:05Z", "--device", "door-1"});
  EXPECT_FALSE(has(since.output, "forcedOpen raised")) << since.output;
  EXPECT_TRUE(has(since.output, "forcedOpen cleared")) << since.output;
  EXPECT_TRUE(has(since.output, "door-1: seq 5-9 missing")) << since.output;
  const CliResult door_3_only = events({"--device", "door-3"});
  EXPECT_TRUE(has(door_3_only.output, "door-3")) << door_3_only.output;
  EXPECT_FALSE(has(door_3_only.output, "door-1")) << door_3_only.output;
  EXPECT_FALSE(has(events({"--device", "door-9"}).output, "door-")) << "no such device";
  EXPECT_EQ(events({"--since", "soon"}).exit_code, 2);
  EXPECT_EQ(events({"--bogus"}).exit_code, 2);

  stop(*record, SIGINT);
}

TEST_F(SchedulerEvents, ASeqThatBeginsAgainStartsANewEpochNotAGiantGap) {
  const std::unique_ptr<Process> record = start_record();
  for (int seq = 1; seq <= 3; ++seq) {
    publish("door-4",
            R"({"seq":)" + std::to_string(seq) +
                R"(,"event":"state","lock":"locked","door":"closed","at":"2026-12-07T21:0)" +
                std::to_string(seq) + R"(:00Z"})");
  }
  // The device lost its journal: its seq begins again, with other events.
  publish("door-4", R"({"seq":1,"event":"unlocked","lock":"unlocked","door":"closed"})");
  publish("door-4", R"({"seq":2,"event":"locked","lock":"locked","door":"closed"})");
  publish("door-4", R"({"seq":2,"event":"locked","lock":"locked","door":"closed"})");
  publish("door-4", R"({"seq":4,"event":"opened","lock":"locked","door":"open"})");
  const JsonDocument listing = await_events(6);
  const std::vector<std::pair<long, std::string>> door_4 = {
      {1, "state"}, {2, "state"}, {3, "state"}, {1, "unlocked"}, {2, "locked"}, {4, "opened"}};
  EXPECT_EQ(events_of(listing, "door-4"), door_4);
  const CliResult text = events({});
  EXPECT_TRUE(has(text.output,
                  "door-4: seq began again at 1 (epoch 2: the device lost its "
                  "journal)\n"))
      << text.output;
  // The only gap is the new sequence's own.
  EXPECT_EQ(text.output.find("missing"), text.output.rfind("missing")) << text.output;
  EXPECT_TRUE(has(text.output, "door-4: seq 3 missing (not received)\n")) << text.output;
  stop(*record, SIGTERM);
}

TEST_F(SchedulerEvents, RecordReconnectsAfterABrokerRestartAndResumesItsSession) {
  const std::unique_ptr<Process> record = start_record();
  const std::string session = after(record->output(), "(broker session ");
  publish("door-1", kLocked1);
  await_events(1);
  broker_.stop();
  devices_.clear();
  const auto lost = record->wait_for_line("events: connection to the broker lost", 30s);
  ASSERT_TRUE(lost) << record->output();
  broker_.start();
  ASSERT_TRUE(
      record->wait_for_output("events: recording again (broker session resumed)", 60s, *lost))
      << record->output();
  publish("door-1", kOpened2);
  const std::vector<std::pair<long, std::string>> door_1 = {{1, "locked"}, {2, "opened"}};
  EXPECT_EQ(events_of(await_events(2), "door-1"), door_1);
  stop(*record, SIGTERM);
  // The session belongs to the store: the next recorder resumes the same one.
  const std::unique_ptr<Process> again = start_record();
  EXPECT_EQ(after(again->output(), "(broker session "),
            session.substr(0, session.find(',')) + ", resumed)")
      << again->output();
  stop(*again, SIGTERM);
}

TEST_F(SchedulerEvents, TheBrokerKeepsTheEventsWhileNoRecorderRuns) {
  stop(*start_record(), SIGTERM);  // the store's session exists on the broker from now on
  publish("door-1", kLocked1);
  publish("door-1", kOpened2);
  broker_.restart();  // it keeps its sessions on disk
  devices_.clear();
  publish("door-1", kAlarm3);
  const std::unique_ptr<Process> record = start_record();
  EXPECT_TRUE(has(record->output(), ", resumed)\n")) << record->output();
  const std::vector<std::pair<long, std::string>> door_1 = {
      {1, "locked"}, {2, "opened"}, {3, "alarm:forcedOpen"}};
  EXPECT_EQ(events_of(await_events(3), "door-1"), door_1);
  stop(*record, SIGINT);
}

TEST_F(SchedulerEvents, ServeRecordsTheEventsAndOneRecorderAtATimeUsesTheSession) {
  auto serve = std::make_unique<Process>(cli_.argv({"serve"}));
  ASSERT_TRUE(serve->wait_for_output("events: recording into", 30s)) << serve->output();
  publish("door-1", kLocked1);
  await_events(1);
  // A second recorder would take the session from the first: it waits.
  const auto record = std::make_unique<Process>(cli_.argv({"record"}));
  ASSERT_TRUE(record->wait_for_output(
      ") records the door events of this store; waiting until it stops", 30s))
      << record->output();
  serve->signal(SIGTERM);
  const auto status = serve->wait_exit(30s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << serve->output();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << serve->output();
  EXPECT_TRUE(has(serve->output(), " events: stopped\n")) << serve->output();
  // serve's recorder let the lease go: the waiting one takes over at its next look.
  ASSERT_TRUE(record->wait_for_output("events: recording into", 30s)) << record->output();
  EXPECT_TRUE(has(record->output(), ", resumed)\n")) << record->output();
  publish("door-1", kOpened2);
  await_events(2);
  stop(*record, SIGINT);

  // A serve killed outright takes its recorder along: left alone, it would renew its lease and
  // keep the next recorder waiting for ever.
  serve = std::make_unique<Process>(cli_.argv({"serve"}));
  ASSERT_TRUE(serve->wait_for_output("events: recording into", 30s)) << serve->output();
  serve->signal(SIGKILL);
  ASSERT_TRUE(serve->wait_exit(30s));
  const std::unique_ptr<Process> next = start_record();
  stop(*next, SIGTERM);
}

TEST_F(SchedulerEvents, ARealAgentsEventsAreStoredWithTheirSeq) {
  const std::unique_ptr<Process> record = start_record();
  TempDir dir;
  AgentProcess agent(broker_dialect_config(
      broker_.port(), "door-1", "",
      R"("stateFile":")" + dir.file("desired.json") + "\"," + fake_door_section(dir)));
  ASSERT_TRUE(agent.wait_online()) << agent.process().output();
  ASSERT_TRUE(fake_command(dir, "set DOOR active"));  // the door opens
  const JsonDocument listing = await_events(1);
  const std::vector<std::pair<long, std::string>> events = events_of(listing, "door-1");
  ASSERT_FALSE(events.empty()) << record->output();
  EXPECT_GE(events.front().first, 1) << "stored with its seq";
  EXPECT_FALSE(has(record->output(), "skipped")) << record->output();
  stop(*record, SIGTERM);
}

TEST_F(SchedulerEvents, OnIotHubEventsAndRecordSayWhereTheEventsAreInOneLine) {
  const TempDir dir;
  const std::string hub = dir.write(
      "iothub",
      "HostName=myhub.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=c2VjcmV0");
  for (const char* command : {"events", "record"}) {
    Process p({DOOR_SCHEDULER_BINARY, "--iothub-file", hub, "--store", cli_.store_path(), command});
    const auto status = p.wait_exit(30s);
    ASSERT_TRUE(status && WIFEXITED(*status)) << p.output();
    EXPECT_EQ(WEXITSTATUS(*status), 2) << p.output();
    EXPECT_EQ(p.line_count(), 1u) << p.output();
    EXPECT_TRUE(has(p.output(), std::string("door-scheduler: ") + command +
                                    ": the door events of an IoT Hub fleet are read from the "
                                    "hub's built-in endpoint (Event Hubs-compatible)"))
        << p.output();
    EXPECT_TRUE(has(p.output(), "message routing in docs/azure-iot-hub.md")) << p.output();
  }
}

TEST_F(SchedulerEvents, AStoreOfTheLayoutBeforeKeepsItsJobsAndGainsTheAuditLog) {
  ASSERT_EQ(cli_.run({"schedule", "method", "--query", "deviceId = 'door-1'", "--method",
                      "lockDoor", "--in", "1h", "--id", "kept"})
                .exit_code,
            0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(cli_.store_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE door_events; DROP TABLE event_recorder; "
                         "PRAGMA user_version = 5",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const CliResult none = events({});
  EXPECT_EQ(none.exit_code, 0) << none.output;
  EXPECT_EQ(none.output, "no door events in the store\n");
  EXPECT_TRUE(has(cli_.run({"jobs"}).output, "kept")) << "the job stays";
  const std::unique_ptr<Process> record = start_record();
  publish("door-1", kLocked1);
  await_events(1);
  stop(*record, SIGTERM);
}

}  // namespace
}  // namespace door::test
