#include "scheduler/fleet.hpp"

#include <gtest/gtest.h>

namespace door::scheduler {
namespace {

// A reported document that named "door" twice (a refused desired key's acknowledgement beside the
// door state) matched queries on the first one; such a document is not used at all now.
TEST(Fleet, ADocumentThatNamesAMemberTwiceIsNotUsed) {
  Fleet fleet;
  ASSERT_TRUE(fleet.update({"devices/d1/twin/reported",
                            R"({"door":{"value":null,"ac":400},"door":{"lock":"locked"}})", true}));
  ASSERT_TRUE(fleet.update({"devices/d2/twin/reported", R"({"door":{"lock":"locked"}})", true}));
  Query query;
  std::string error;
  ASSERT_TRUE(
      query.parse("SELECT * FROM devices WHERE properties.reported.door.lock = 'locked'", error))
      << error;
  EXPECT_EQ(fleet.devices().at("d1").reported, nullptr);
  EXPECT_TRUE(query.matches(fleet.devices().at("d2").view()));
  ASSERT_TRUE(fleet.update({"devices/d1/twin/reported", R"({"door":{"lock":"locked"}})", true}));
  EXPECT_TRUE(query.matches(fleet.devices().at("d1").view()));
}

TEST(Fleet, ADeviceThatAppliedADesiredVersionIsIncompleteWithoutItsDocument) {
  Fleet fleet;
  ASSERT_TRUE(fleet.update({"devices/d1/status", R"({"online":true})", true}));
  EXPECT_TRUE(fleet.incomplete().empty());  // a device that never had desired properties
  ASSERT_TRUE(fleet.update({"devices/d1/twin/reported",
                            R"({"agent":{"desiredVersion":4},"floor":{"value":3,"av":3}})", true}));
  EXPECT_EQ(fleet.devices().at("d1").applied_version(), 4);
  EXPECT_EQ(fleet.incomplete(), std::vector<std::string>{"d1"});
  ASSERT_TRUE(fleet.update({"devices/d1/twin/desired", R"({"floor":3,"$version":4})", true}));
  EXPECT_TRUE(fleet.incomplete().empty());
  EXPECT_EQ(fleet.devices().at("d1").desired_version(), 4);
  // An older agent names no desiredVersion: its acknowledgements do.
  ASSERT_TRUE(fleet.update({"devices/d2/twin/reported", R"({"floor":{"value":3,"av":7}})", true}));
  EXPECT_EQ(fleet.devices().at("d2").applied_version(), 7);
}

}  // namespace
}  // namespace door::scheduler
