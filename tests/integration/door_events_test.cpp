// Door events through outages, in both dialects: every event journalled, numbered, and delivered
// in order once the session is back, through broker restarts and SIGKILLs of the agent; a full
// journal drops the oldest and says so. The audit client keeps a persistent session, as the
// scheduler's recorder does, so the test sees what a consumer that was away would see.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "door_fixture.hpp"

namespace door::test {
namespace {

int env_or(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

// What the audit client received, in arrival order.
struct EventLog {
  std::vector<uint64_t> first_arrivals;
  std::set<uint64_t> seen;
  std::size_t duplicates = 0;
  std::vector<std::string> payloads;

  void add(const std::string& payload) {
    constexpr std::string_view kSeq = R"({"seq":)";
    ASSERT_EQ(payload.compare(0, kSeq.size(), kSeq), 0) << payload;
    const uint64_t seq = std::stoull(payload.substr(kSeq.size()));
    if (!seen.insert(seq).second) {
      ++duplicates;
      return;
    }
    first_arrivals.push_back(seq);
    payloads.push_back(payload);
  }
  bool has_all_below(uint64_t next) const {
    for (uint64_t seq = 1; seq < next; ++seq) {
      if (seen.count(seq) == 0) return false;
    }
    return true;
  }
  std::size_t out_of_order() const {
    std::size_t n = 0;
    for (std::size_t i = 1; i < first_arrivals.size(); ++i) {
      if (first_arrivals[i] < first_arrivals[i - 1]) {
        ++n;
        std::printf("out of order: %llu after %llu\n",
                    static_cast<unsigned long long>(first_arrivals[i]),
                    static_cast<unsigned long long>(first_arrivals[i - 1]));
      }
    }
    return n;
  }
};

// The next sequence number the journal will give, from its header (written on a clean stop).
uint64_t journal_next_seq(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  uint64_t next = 0;
  if (fd >= 0) {
    if (pread(fd, &next, sizeof next, 32) != static_cast<ssize_t>(sizeof next)) next = 0;
    close(fd);
  }
  return next;
}

class DoorEvents : public DoorControl {
 protected:
  void SetUp() override {
    extra_top_ = extra_top_config();
    start_agent("");
    ClientOptions audit =
        GetParam() == Hub::mqtt ? scheduler_options(broker_) : hub_options(broker_);
    audit.client_id = "audit";
    audit.persistent_session = true;
    audit_ = std::make_unique<MqttClient>(audit);
    ASSERT_EQ(audit_->connect(), "");
    ASSERT_TRUE(audit_->subscribe("devices/" + device_ + "/messages/events/#", 1));
  }
  virtual std::string extra_top_config() const { return ""; }

  // Opens and closes the door, each move seen by the lock before the next: four events
  // (opened, forcedOpen raised, closed, cleared).
  void swing() {
    for (const char* move : {"active", "inactive"}) {
      const std::size_t from = agent_->process().line_count();
      ASSERT_TRUE(fake_command(dir_, std::string("set DOOR ") + move));
      ASSERT_TRUE(agent_->process().wait_for_output(
          std::string("door ") + (move[0] == 'a' ? "opened" : "closed"), 10s, from));
    }
  }

  // Takes what arrives for the given time, reconnecting the audit client after a broker restart.
  void collect_for(std::chrono::milliseconds span) {
    const auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) collect_once();
  }
  void collect_once() {
    if (!audit_->connected() && !audit_->connect().empty()) {
      std::this_thread::sleep_for(100ms);  // the broker is not up yet
      return;
    }
    const auto m = audit_->receive_on("devices/" + device_ + "/messages/events/", 200ms);
    if (m) log_.add(m->payload);
  }

  // Stops the agent cleanly to learn from its journal how many events it made, starts it again,
  // and waits until the audit client has every one of them.
  void expect_every_event_delivered() {
    agent_->process().signal(SIGTERM);
    ASSERT_TRUE(agent_->process().wait_exit(10s));
    const uint64_t next = journal_next_seq(state_file_ + ".events");
    ASSERT_GT(next, 1u);
    restart_agent();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!log_.has_all_below(next) && std::chrono::steady_clock::now() < deadline) {
      collect_once();
    }
    std::printf("events made %llu, received %zu distinct, %zu duplicates, %zu out of order\n",
                static_cast<unsigned long long>(next - 1), log_.seen.size(), log_.duplicates,
                log_.out_of_order());
    EXPECT_TRUE(log_.has_all_below(next)) << "lost events";
    EXPECT_EQ(log_.out_of_order(), 0u);
  }

  std::unique_ptr<MqttClient> audit_;
  EventLog log_;
  std::mt19937 random_{20261207};
};

TEST_P(DoorEvents, EventsMadeDuringBrokerOutagesArriveAllAndInOrder) {
  const int outages = env_or("DOOR_EVENT_OUTAGES", 4);
  const int longest_s = env_or("DOOR_EVENT_OUTAGE_MAX_S", 2);
  const int interval_ms = env_or("DOOR_EVENT_INTERVAL_MS", 250);
  std::atomic<bool> stop{false};
  // The door opens and closes all along: each swing is an event, and a forced-open alarm.
  std::thread swings([&] {
    for (bool open = true; !stop; open = !open) {
      (void)fake_command(dir_, open ? "set DOOR active" : "set DOOR inactive");
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
    (void)fake_command(dir_, "set DOOR inactive");
  });
  for (int i = 0; i < outages; ++i) {
    collect_for(std::chrono::milliseconds(500 + random_() % 1000));
    broker_.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 + random_() % (longest_s * 1000)));
    broker_.start();
  }
  collect_for(1s);
  stop = true;
  swings.join();
  expect_every_event_delivered();
}

TEST_P(DoorEvents, EventsSurviveSigkillsOfTheAgent) {
  const int kills = env_or("DOOR_EVENT_KILLS", 5);
  for (int i = 0; i < kills; ++i) {
    ASSERT_NO_FATAL_FAILURE(swing());
    std::this_thread::sleep_for(std::chrono::milliseconds(random_() % 30));  // any instant
    kill_agent();
    restart_agent();
    collect_for(100ms);
  }
  expect_every_event_delivered();
}

TEST_P(DoorEvents, TheSequenceGrowsAcrossRestartsAndEveryEventSaysWhen) {
  command("set DOOR active");
  collect_for(500ms);
  ASSERT_FALSE(log_.payloads.empty());
  const uint64_t before = *log_.seen.rbegin();
  restart_agent();
  command("set DOOR active");  // the fake's contact starts closed again
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (*log_.seen.rbegin() == before && std::chrono::steady_clock::now() < deadline) {
    collect_once();
  }
  EXPECT_GT(*log_.seen.rbegin(), before);
  for (const std::string& event : log_.payloads) {
    EXPECT_NE(event.find(R"("at":")"), std::string::npos) << event;
  }
}

INSTANTIATE_TEST_SUITE_P(BothDialects, DoorEvents, ::testing::Values(Hub::mqtt, Hub::azure),
                         hub_name);

class FullJournal : public DoorEvents {
 protected:
  std::string extra_top_config() const override { return R"("eventJournalCapacity":100,)"; }
};

TEST_P(FullJournal, TheOldestEventsAreDroppedCountedAndToldOnce) {
  broker_.stop();
  for (int i = 0; i < 40; ++i) ASSERT_NO_FATAL_FAILURE(swing());  // 160 events
  broker_.start();
  ASSERT_NO_FATAL_FAILURE(connect_service());
  std::string notice;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (notice.empty() && std::chrono::steady_clock::now() < deadline) {
    collect_once();
    for (const std::string& event : log_.payloads) {
      if (event.find(R"("event":"eventsDropped")") != std::string::npos) notice = event;
    }
  }
  ASSERT_FALSE(notice.empty()) << "no eventsDropped event\n" << agent_->process().output();
  // The oldest went first, the notice's own room included; the journal's 100 slots hold the rest
  // and the notice.
  const auto number = [&](const char* member) {
    const std::size_t at = notice.find(std::string("\"") + member + "\":");
    return at == std::string::npos ? 0ULL
                                   : std::stoull(notice.substr(at + std::strlen(member) + 3));
  };
  const uint64_t notice_seq = number("seq");
  EXPECT_EQ(notice_seq, 161u) << notice;
  EXPECT_EQ(number("from"), 1u) << notice;
  EXPECT_EQ(number("to"), notice_seq - 100) << notice;
  EXPECT_EQ(number("count"), number("to")) << notice;
  EXPECT_EQ(number("droppedTotal"), number("count")) << notice;
  EXPECT_NE(reported_with(R"("dropped":)" + std::to_string(number("count")))
                .find(R"("eventJournal":{"capacity":100)"),
            std::string::npos);
  const auto all_by = std::chrono::steady_clock::now() + 30s;
  while (log_.seen.size() < 100 && std::chrono::steady_clock::now() < all_by) collect_once();
  EXPECT_EQ(log_.seen.size(), 100u);
  EXPECT_EQ(*log_.seen.begin(), number("to") + 1);  // nothing of the dropped range arrives
  EXPECT_EQ(*log_.seen.rbegin(), notice_seq);
}

INSTANTIATE_TEST_SUITE_P(BothDialects, FullJournal, ::testing::Values(Hub::mqtt, Hub::azure),
                         hub_name);

}  // namespace
}  // namespace door::test
