#include "agent/inbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace door::agent {
namespace {

using Taken = Inbox::Taken;

// A producer's messages, lent to the inbox; counts what the inbox gives back.
struct Lender {
  std::vector<std::string> topics;
  std::vector<std::string> payloads;
  int returned = 0;

  Lender() {
    topics.reserve(2 * kInboxKeptMessages);  // lent memory must not move
    payloads.reserve(2 * kInboxKeptMessages);
  }
  Taken offer(Inbox& inbox, const std::string& topic, const std::string& payload,
              RetainFlag retain = RetainFlag::clear) {
    topics.push_back(topic);
    payloads.push_back(payload);
    return inbox.push_message(topics.back(), payloads.back().data(), payloads.back().size(),
                              Loan{this, nullptr, &give_back}, retain);
  }
  static void give_back(void* lender, void*) { ++static_cast<Lender*>(lender)->returned; }
};

TEST(Inbox, CopiesMessagesInOrder) {
  port::EventFd wake;
  Inbox inbox(wake);
  ASSERT_EQ(inbox.push_message("t/1", "a", 1), Taken::copied);
  ASSERT_EQ(inbox.push_message("t/2", "bb", 2), Taken::copied);
  const InboxMessage* m = inbox.peek_message();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->topic_view(), "t/1");
  EXPECT_EQ(m->payload_view(), "a");
  inbox.release_message();
  m = inbox.peek_message();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->topic_view(), "t/2");
  inbox.release_message();
  EXPECT_EQ(inbox.peek_message(), nullptr);
}

TEST(Inbox, MarksOversizeInsteadOfDroppingOrTruncating) {
  port::EventFd wake;
  Inbox inbox(wake);
  const std::string big(kMaxPayloadBytes + 1, 'x');
  const std::string long_topic(kMaxTopicLength + 1, 't');
  ASSERT_EQ(inbox.push_message("t", big.data(), big.size()), Taken::copied);
  ASSERT_EQ(inbox.push_message(long_topic, "{}", 2), Taken::copied);
  const InboxMessage* m = inbox.peek_message();
  EXPECT_TRUE(m->payload_too_large);
  EXPECT_EQ(m->payload_length, big.size());
  EXPECT_TRUE(m->payload_view().empty());
  inbox.release_message();
  m = inbox.peek_message();
  EXPECT_TRUE(m->topic_too_long);
  EXPECT_FALSE(m->payload_too_large);
}

TEST(Inbox, AFullInboxRefusesAMessageItCannotKeepAndTakesItOnceASlotIsFree) {
  port::EventFd wake;
  Inbox inbox(wake);
  for (std::size_t i = 0; i < kInboxSlots; ++i) {
    ASSERT_EQ(inbox.push_message("t", "", 0), Taken::copied);
  }
  EXPECT_EQ(inbox.push_message("again", "", 0), Taken::refused);  // no loan: the caller keeps it
  EXPECT_EQ(inbox.take_refused(), 1u);
  EXPECT_EQ(inbox.take_dropped(), 0u);
  inbox.release_message();
  EXPECT_EQ(inbox.push_message("again", "", 0), Taken::copied);
}

// A burst far over the slots is never handed back to its producer (Paho would offer it again only
// when its next packet arrives): the inbox keeps the lent messages and moves each into the slot the
// loop frees, in order, giving the memory back once copied.
TEST(Inbox, ABurstOverTheSlotsIsKeptAndReachesTheLoopInOrder) {
  port::EventFd wake;
  Lender lender;
  constexpr std::size_t kBurst = kInboxSlots + kInboxKeptMessages;
  {
    Inbox inbox(wake);
    for (std::size_t i = 0; i < kBurst; ++i) {
      const Taken taken = lender.offer(inbox, "t/" + std::to_string(i), std::to_string(i));
      ASSERT_EQ(taken, i < kInboxSlots ? Taken::copied : Taken::kept) << i;
    }
    EXPECT_EQ(lender.offer(inbox, "over", ""), Taken::refused);  // past the kept capacity
    std::size_t handled = 0;
    for (; const InboxMessage* m = inbox.peek_message(); ++handled) {
      ASSERT_EQ(m->topic_view(), "t/" + std::to_string(handled));
      ASSERT_EQ(m->payload_view(), std::to_string(handled));
      inbox.release_message();
      if (handled == kInboxSlots) {  // a new message queues behind the kept ones
        ASSERT_EQ(lender.offer(inbox, "t/" + std::to_string(kBurst), std::to_string(kBurst)),
                  Taken::kept);
      }
    }
    EXPECT_EQ(handled, kBurst + 1);
    EXPECT_EQ(lender.returned, static_cast<int>(kInboxKeptMessages) + 1);
    ASSERT_EQ(lender.offer(inbox, "t/last", ""), Taken::copied);  // kept ones gone: copied again
    for (std::size_t i = 1; i < kInboxSlots; ++i)
      ASSERT_EQ(inbox.push_message("t", "", 0), Taken::copied);
    ASSERT_EQ(lender.offer(inbox, "t/kept", ""), Taken::kept);
  }
  EXPECT_EQ(lender.returned,
            static_cast<int>(kInboxKeptMessages) + 2);  // given back when destroyed
}

// A twin GET answer can be four times a slot: it stays in its producer's memory until handled, and
// so does a kept one that moves into a slot. Past the largest twin IoT Hub sends it is marked.
TEST(Inbox, APayloadOverASlotStaysLentUntilHandledUpToTheLargestTwin) {
  port::EventFd wake;
  Lender lender;
  Inbox inbox(wake);
  const std::string twin(kMaxTwinResponseBytes, 't');
  const std::string too_large(kMaxTwinResponseBytes + 1, 'x');
  ASSERT_EQ(lender.offer(inbox, "twin", twin), Taken::kept);
  ASSERT_EQ(lender.offer(inbox, "huge", too_large), Taken::copied);  // marked: the caller frees it
  for (std::size_t i = 2; i < kInboxSlots; ++i)
    ASSERT_EQ(lender.offer(inbox, "t", ""), Taken::copied);
  ASSERT_EQ(lender.offer(inbox, "twin again", twin), Taken::kept);  // every slot is taken

  const InboxMessage* m = inbox.peek_message();
  EXPECT_EQ(m->payload_view().size(), kMaxTwinResponseBytes);
  EXPECT_EQ(m->payload_view().data(), lender.payloads[0].data());  // not copied
  inbox.release_message();
  EXPECT_EQ(lender.returned, 1);  // handled: given back
  m = inbox.peek_message();
  EXPECT_TRUE(m->payload_too_large);
  EXPECT_EQ(m->payload_length, too_large.size());
  inbox.release_message();
  for (std::size_t i = 2; i < kInboxSlots; ++i) inbox.release_message();
  m = inbox.peek_message();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->topic_view(), "twin again");
  EXPECT_EQ(m->payload_view().data(), lender.payloads.back().data());
  EXPECT_EQ(lender.returned, 1);  // moved into a slot, still lent
  inbox.release_message();
  EXPECT_EQ(lender.returned, 2);
  EXPECT_EQ(inbox.peek_message(), nullptr);
}

// The handler refuses a retained method request, so the flag must reach it from a slot and from a
// message kept while every slot was taken.
TEST(Inbox, TheRetainFlagReachesTheLoopAlsoFromAKeptMessage) {
  port::EventFd wake;
  Lender lender;
  Inbox inbox(wake);
  ASSERT_EQ(inbox.push_message("t/retained", "", 0, {}, RetainFlag::set), Taken::copied);
  for (std::size_t i = 1; i < kInboxSlots; ++i) {
    ASSERT_EQ(inbox.push_message("t/live", "", 0), Taken::copied);
  }
  ASSERT_EQ(lender.offer(inbox, "t/kept", "", RetainFlag::set), Taken::kept);
  ASSERT_EQ(lender.offer(inbox, "t/kept-live", ""), Taken::kept);
  std::vector<std::string> retained;
  for (const InboxMessage* m = inbox.peek_message(); m != nullptr; m = inbox.peek_message()) {
    if (m->retain == RetainFlag::set) retained.emplace_back(m->topic_view());
    inbox.release_message();
  }
  EXPECT_EQ(retained, (std::vector<std::string>{"t/retained", "t/kept"}));
}

TEST(Inbox, EventsCarryTheirDetailText) {
  port::EventFd wake;
  Inbox inbox(wake);
  inbox.push_event(SessionEventKind::connect_failed, 0, "not authorised",
                   ConnectFailure::refused_not_authorised);
  SessionEvent e;
  ASSERT_TRUE(inbox.pop_event(e));
  EXPECT_EQ(e.kind, SessionEventKind::connect_failed);
  EXPECT_EQ(e.failure, ConnectFailure::refused_not_authorised);
  EXPECT_STREQ(e.detail, "not authorised");
  EXPECT_FALSE(inbox.pop_event(e));
}

}  // namespace
}  // namespace door::agent
