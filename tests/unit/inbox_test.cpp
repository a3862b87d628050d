#include "agent/inbox.hpp"

#include <gtest/gtest.h>

#include <string>

namespace door::agent {
namespace {

TEST(Inbox, CopiesMessagesInOrder) {
  port::EventFd wake;
  Inbox inbox(wake);
  ASSERT_TRUE(inbox.push_message("t/1", "a", 1));
  ASSERT_TRUE(inbox.push_message("t/2", "bb", 2));
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
  ASSERT_TRUE(inbox.push_message("t", big.data(), big.size()));
  ASSERT_TRUE(inbox.push_message(long_topic, "{}", 2));
  const InboxMessage* m = inbox.peek_message();
  EXPECT_TRUE(m->payload_too_large);
  EXPECT_EQ(m->payload_length, big.size());
  EXPECT_TRUE(m->payload_view().empty());
  inbox.release_message();
  m = inbox.peek_message();
  EXPECT_TRUE(m->topic_too_long);
  EXPECT_FALSE(m->payload_too_large);
}

TEST(Inbox, AFullInboxRefusesAMessageAtOnceAndTakesItOnceASlotIsFree) {
  port::EventFd wake;
  Inbox inbox(wake);
  for (std::size_t i = 0; i < kInboxSlots; ++i) ASSERT_TRUE(inbox.push_message("t", "", 0));
  EXPECT_FALSE(inbox.push_message("again", "", 0));  // the caller keeps it: nothing is dropped
  EXPECT_EQ(inbox.take_dropped(), 0u);
  inbox.release_message();
  EXPECT_TRUE(inbox.push_message("again", "", 0));
}

TEST(Inbox, EventsCarryTheirDetailText) {
  port::EventFd wake;
  Inbox inbox(wake);
  inbox.push_event(SessionEventKind::connect_failed, 5, "not authorised");
  SessionEvent e;
  ASSERT_TRUE(inbox.pop_event(e));
  EXPECT_EQ(e.kind, SessionEventKind::connect_failed);
  EXPECT_EQ(e.code, 5);
  EXPECT_STREQ(e.detail, "not authorised");
  EXPECT_FALSE(inbox.pop_event(e));
}

}  // namespace
}  // namespace door::agent
