// The outbox: fixed slots, answers drained before the door events posted ahead of them, a full
// outbox or an oversize body refused with a status rather than cut or dropped silently.
#include "agent/outbox.hpp"

#include <gtest/gtest.h>

#include <string>

namespace door::agent {
namespace {

TEST(Outbox, AnswersDrainBeforeEventsPostedEarlierAndEachKindInPostOrder) {
  Outbox outbox;
  ASSERT_TRUE(outbox.post_event(R"({"event":"unlocked"})").is_ok());
  ASSERT_TRUE(outbox.post_answer("1", "unlockDoor", 200, "{}").is_ok());
  ASSERT_TRUE(outbox.post_event(R"({"event":"opened"})").is_ok());
  ASSERT_TRUE(outbox.post_answer("2", "getDoorState", 200, "{}").is_ok());
  std::string order;
  while (const Output* output = outbox.peek()) {
    order += output->kind == OutputKind::method_answer ? output->rid_view() : output->body_view();
    order += ' ';
    outbox.pop();
  }
  EXPECT_EQ(order, R"(1 2 {"event":"unlocked"} {"event":"opened"} )");
  EXPECT_TRUE(outbox.empty());
}

TEST(Outbox, AFullOutboxRefusesAndKeepsWhatItHas) {
  Outbox outbox;
  for (std::size_t i = 0; i < kOutboxSlots; ++i) {
    ASSERT_TRUE(outbox.post_answer(std::to_string(i), "ping", 200, "{}").is_ok());
  }
  EXPECT_EQ(outbox.post_event("{}"), port::Status::full());
  EXPECT_EQ(outbox.peek()->rid_view(), "0");
  outbox.pop();
  EXPECT_TRUE(outbox.post_event("{}").is_ok());  // a freed slot is used again
}

TEST(Outbox, ABodyOverItsSlotIsRefusedNotCut) {
  Outbox outbox;
  EXPECT_EQ(outbox.post_answer("1", "ping", 200, std::string(kOutboxPayloadBytes + 1, 'x')),
            port::Status::too_large());
  EXPECT_EQ(
      outbox.post_answer(std::string(protocol::kMaxRequestIdLength + 1, '1'), "ping", 200, "{}"),
      port::Status::invalid());
  EXPECT_EQ(outbox.peek(), nullptr);
}

TEST(Outbox, ReportDueAndSettingsChangedAreCoalescedFlags) {
  Outbox outbox;
  outbox.post_report_due();
  outbox.post_report_due();
  outbox.post_settings_changed();
  EXPECT_FALSE(outbox.empty());
  EXPECT_TRUE(outbox.take_report_due());
  EXPECT_FALSE(outbox.take_report_due());
  EXPECT_TRUE(outbox.take_settings_changed());
  EXPECT_TRUE(outbox.empty());
}

}  // namespace
}  // namespace door::agent
