// The door's event journal: numbering across restarts, acknowledgement, a full journal, torn slots,
// a crash that loses no event, and a change of capacity.
#include "agent/event_journal.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace door::agent {
namespace {

class Journal : public ::testing::Test {
 protected:
  Journal() {
    path_ = ::testing::TempDir() + "journal-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (const char* suffix : {"", ".tmp", ".new", ".corrupt"}) unlink((path_ + suffix).c_str());
  }

  void open(std::size_t capacity) {
    journal_ = std::make_unique<EventJournal>();
    const port::Status opened = journal_->open(path_, capacity);
    ASSERT_TRUE(opened.is_ok()) << opened.reason();
  }
  uint64_t append(const std::string& event) {
    const port::Result<uint64_t> seq = journal_->append(R"({"event":")" + event + "\"}");
    EXPECT_TRUE(seq.is_ok());
    return seq.is_ok() ? seq.value() : 0;
  }
  std::string text(uint64_t seq) {
    char buffer[kJournalSlotBytes];
    const port::Result<std::string_view> read = journal_->read(seq, buffer);
    return read.is_ok() ? std::string(read.value()) : "(unreadable)";
  }
  // Overwrites one byte of the file (a slot torn by a power cut).
  void tear(off_t offset) {
    const int fd = ::open(path_.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    const char garbage = 'X';
    ASSERT_EQ(pwrite(fd, &garbage, 1, offset), 1);
    ::close(fd);
  }
  static off_t slot_of(uint64_t seq, uint64_t capacity) {
    return static_cast<off_t>((seq % capacity + 1) * kJournalSlotBytes + 60);
  }

  std::string path_;
  std::unique_ptr<EventJournal> journal_;
};

// Runs body in a child that ends without destructors, as SIGKILL leaves the journal.
template <class Body>
void killed_after(Body body) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(Journal, EventsAreNumberedInOrderAndKeepTheirNumbersAcrossARestart) {
  open(100);
  EXPECT_EQ(append("locked"), 1u);
  EXPECT_EQ(append("unlocked"), 2u);
  EXPECT_EQ(text(2), R"({"seq":2,"event":"unlocked"})");
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(101 * kJournalSlotBytes));  // reserved when made
  open(100);
  EXPECT_EQ(journal_->first_pending(), 1u);
  EXPECT_EQ(append("opened"), 3u);
  EXPECT_EQ(text(1), R"({"seq":1,"event":"locked"})");
}

TEST_F(Journal, AcknowledgedEventsLeaveTheJournalInOrder) {
  open(100);
  for (int i = 0; i < 4; ++i) append("locked");
  journal_->acknowledge(2);  // out of order: kept until 1 is acknowledged
  EXPECT_EQ(journal_->first_pending(), 1u);
  journal_->acknowledge(1);
  EXPECT_EQ(journal_->first_pending(), 3u);
  journal_->acknowledge(1);  // again: ignored
  EXPECT_EQ(journal_->first_pending(), 3u);
  EXPECT_EQ(text(1), "(unreadable)");  // no longer pending
  open(100);
  EXPECT_EQ(journal_->first_pending(), 3u);
  EXPECT_EQ(journal_->next_seq(), 5u);
}

TEST_F(Journal, AKilledAgentLosesNoEventAndSendsOnlyUnsavedAcknowledgementsAgain) {
  killed_after([&] {
    EventJournal journal;
    if (!journal.open(path_, 100).is_ok()) _exit(1);
    for (int i = 0; i < 10; ++i) {
      if (!journal.append(R"({"event":"opened"})").is_ok()) _exit(1);
    }
    for (uint64_t seq = 1; seq <= 5; ++seq) journal.acknowledge(seq);
  });
  open(100);
  EXPECT_EQ(journal_->next_seq(), 11u);
  EXPECT_LE(journal_->first_pending(), 6u);  // at most the unsaved acknowledgements again
  for (uint64_t seq = 6; seq <= 10; ++seq) {
    EXPECT_EQ(text(seq), R"({"seq":)" + std::to_string(seq) + R"(,"event":"opened"})");
  }
}

TEST_F(Journal, AFullJournalDropsTheOldestAndTellsTheRangeOnce) {
  open(100);
  for (int i = 0; i < 150; ++i) append("opened");
  EXPECT_EQ(journal_->first_pending(), 51u);
  EXPECT_EQ(journal_->dropped_total(), 50u);
  EXPECT_EQ(journal_->unreported_drops().from, 1u);
  EXPECT_EQ(journal_->unreported_drops().to, 50u);
  open(100);  // the counters outlive a restart
  EXPECT_EQ(journal_->dropped_total(), 50u);
  EXPECT_EQ(journal_->unreported_drops().to, 50u);
  const port::Result<uint64_t> notice = journal_->append_drop_notice("2026-12-07T10:00:00Z");
  ASSERT_TRUE(notice.is_ok());
  // Its own append dropped one more, which it tells too.
  EXPECT_EQ(text(notice.value()),
            R"({"seq":151,"event":"eventsDropped","from":1,"to":51,"count":51,)"
            R"("droppedTotal":51,"at":"2026-12-07T10:00:00Z"})");
  EXPECT_TRUE(journal_->unreported_drops().empty());
  open(100);
  EXPECT_TRUE(journal_->unreported_drops().empty());
  EXPECT_EQ(journal_->dropped_total(), 51u);
}

TEST_F(Journal, ATornSlotIsFoundAndItsNumberIsNotGivenAgain) {
  open(100);
  for (int i = 0; i < 5; ++i) append("closed");
  journal_.reset();
  tear(slot_of(5, 100));  // the last write, cut by a power cut
  tear(slot_of(3, 100));
  open(100);
  EXPECT_EQ(journal_->next_seq(), 6u);  // the header had recorded 5
  EXPECT_EQ(text(3), "(unreadable)");
  EXPECT_EQ(text(4), R"({"seq":4,"event":"closed"})");
  journal_->discard(3);  // a torn event leaves counted as dropped
  EXPECT_EQ(journal_->dropped_total(), 1u);
  EXPECT_EQ(journal_->unreported_drops().from, 3u);
}

TEST_F(Journal, AJournalThatWrappedBeforeItsHeaderWasWrittenKeepsItsEvents) {
  // A door offline since it was installed: the header still says "next 1".
  killed_after([&] {
    EventJournal journal;
    if (!journal.open(path_, 100).is_ok()) _exit(1);
    for (int i = 0; i < 105; ++i) {
      if (!journal.append(R"({"event":"opened"})").is_ok()) _exit(1);
    }
  });
  open(100);
  EXPECT_EQ(journal_->next_seq(), 106u);
  EXPECT_EQ(journal_->first_pending(), 6u);
  EXPECT_EQ(journal_->dropped_total(), 5u);
  EXPECT_EQ(text(105), R"({"seq":105,"event":"opened"})");
}

TEST_F(Journal, AJournalLaidOutAgainWithNothingPendingKeepsItsNumbers) {
  open(100);
  for (int i = 0; i < 5; ++i) append("closed");
  for (uint64_t seq = 1; seq <= 5; ++seq) journal_->acknowledge(seq);
  ASSERT_TRUE(journal_->resize(200).is_ok());
  open(200);
  EXPECT_EQ(journal_->next_seq(), 6u);
  EXPECT_EQ(journal_->first_pending(), 6u);
}

TEST_F(Journal, AJournalWithADamagedHeaderIsFoundSlotBySlot) {
  open(100);
  for (int i = 0; i < 3; ++i) append("closed");
  journal_.reset();
  tear(0);  // the header's magic
  open(100);
  EXPECT_EQ(journal_->next_seq(), 4u);
  EXPECT_EQ(text(1), R"({"seq":1,"event":"closed"})");
}

TEST_F(Journal, ATornHeaderIsRebuiltFromTheSlots) {
  open(100);
  for (int i = 0; i < 7; ++i) append("closed");
  journal_.reset();
  tear(20);  // inside the header's counters: its CRC fails
  open(100);
  EXPECT_EQ(journal_->next_seq(), 8u);
  EXPECT_EQ(text(7), R"({"seq":7,"event":"closed"})");
}

TEST_F(Journal, AFileThatIsNotAJournalIsKeptAsideAndANewOneMade) {
  std::ofstream(path_) << "not a journal";
  open(100);
  EXPECT_EQ(append("locked"), 1u);
  std::ifstream aside(path_ + ".corrupt");
  std::string kept;
  std::getline(aside, kept);
  EXPECT_EQ(kept, "not a journal");
}

TEST_F(Journal, ASmallerCapacityKeepsTheNewestPendingEventsAndCountsTheRest) {
  open(200);
  for (int i = 0; i < 150; ++i) append("opened");
  journal_->acknowledge(1);
  ASSERT_TRUE(journal_->resize(100).is_ok());
  EXPECT_EQ(journal_->first_pending(), 51u);
  EXPECT_EQ(journal_->dropped_total(), 49u);  // 2 to 50; 1 was acknowledged
  EXPECT_EQ(text(150), R"({"seq":150,"event":"opened"})");
  open(100);
  EXPECT_EQ(journal_->next_seq(), 151u);
  EXPECT_EQ(journal_->first_pending(), 51u);
  open(300);  // and larger again, through open()
  EXPECT_EQ(journal_->capacity(), 300u);
  EXPECT_EQ(text(51), R"({"seq":51,"event":"opened"})");
  EXPECT_EQ(append("closed"), 151u);
}

TEST_F(Journal, AnEventTooLargeForASlotIsRefused) {
  open(100);
  const port::Result<uint64_t> refused =
      journal_->append(R"({"event":")" + std::string(kJournalSlotBytes, 'x') + "\"}");
  EXPECT_FALSE(refused.is_ok());
  EXPECT_EQ(journal_->next_seq(), 1u);
}

}  // namespace
}  // namespace door::agent
