// Crash safety of the door event journal, with the state file's kill loop: a child process
// appends events with the agent's own journal (and acknowledges some, as the server would), and
// tells the parent each sequence number as its append returns; the parent kills it with SIGKILL
// at a random moment, then opens the journal as the next start would and checks that it was not
// corrupt, that no number was given twice, and that every event the child appended and did not
// see acknowledged is there, whole. Usage: journal_crash [rounds] (1000).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "agent/event_journal.hpp"
#include "port/log.hpp"

namespace {

using door::agent::EventJournal;

constexpr std::size_t kCapacity = 100;

std::string event_text(uint64_t seq) {
  return R"({"seq":)" + std::to_string(seq) + R"(,"event":"opened","lock":"locked"})";
}

// Appends until killed, acknowledging the oldest pending event at every other append (so the
// journal also fills and drops its oldest, as offline). Each appended sequence number goes to out
// as 8 bytes, once its append returned.
[[noreturn]] void append_until_killed(const std::string& path, int out) {
  EventJournal journal;
  if (!journal.open(path, kCapacity).is_ok()) _exit(2);
  for (;;) {
    const door::port::Result<uint64_t> seq =
        journal.append(R"({"event":"opened","lock":"locked"})");
    if (!seq.is_ok()) _exit(3);
    const uint64_t appended = seq.value();
    if (write(out, &appended, sizeof appended) != static_cast<ssize_t>(sizeof appended)) _exit(4);
    if (appended % 2 == 0 && appended > 3) journal.acknowledge(journal.first_pending());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 1000;
  door::port::set_log_level(door::port::Level::warning);  // each open tells what it found
  char dir_template[] = "/tmp/journal-crash-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return 1;
  const std::string path = std::string(dir) + "/desired.json.events";

  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_us(0, 20000);
  int corrupt = 0, numbers_reused = 0, lost = 0, torn = 0;
  uint64_t appended_total = 0;
  uint64_t last_next = 1;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return 1;
    const pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) {
      close(pipe_fds[0]);
      append_until_killed(path, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    uint64_t newest = 0;
    uint64_t seq = 0;
    while (read(pipe_fds[0], &seq, sizeof seq) == static_cast<ssize_t>(sizeof seq)) {
      newest = seq;
      ++appended_total;
    }
    close(pipe_fds[0]);

    EventJournal journal;
    const door::port::Status opened = journal.open(path, kCapacity);
    if (!opened.is_ok() || access((path + ".corrupt").c_str(), F_OK) == 0) {
      ++corrupt;
      std::fprintf(stderr, "round %d: %s\n", round, opened.reason());
      unlink((path + ".corrupt").c_str());
    }
    if (journal.next_seq() < last_next || (newest > 0 && journal.next_seq() <= newest)) {
      ++numbers_reused;  // the next start would give an appended event's number again
    }
    last_next = journal.next_seq();
    // Every event still pending is there, whole; none the child appended has gone missing.
    char buffer[door::agent::kJournalSlotBytes];
    for (uint64_t pending = journal.first_pending(); pending < journal.next_seq(); ++pending) {
      const door::port::Result<std::string_view> text = journal.read(pending, buffer);
      if (!text.is_ok()) {
        ++torn;
      } else if (text.value() != event_text(pending)) {
        ++lost;
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("journal_crash: %d rounds in %.1f s, %llu events appended before the kills\n", rounds,
              seconds, static_cast<unsigned long long>(appended_total));
  std::printf("  journal corrupt at the next start: %d\n", corrupt);
  std::printf("  a number given again after a kill: %d\n", numbers_reused);
  std::printf("  pending events unreadable (torn): %d\n", torn);
  std::printf("  pending events wrong or lost: %d\n", lost);
  return corrupt + numbers_reused + torn + lost == 0 ? 0 : 1;
}
