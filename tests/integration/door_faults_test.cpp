// A door through a site's faults, end to end on the fake GPIO: an SD card that turns read-only or
// full under the agent (a small tmpfs of the test's own, remounted or filled), a contact wire that
// reads open for ever, and a fail mode set by a desired property; the lock line sampled from the
// fake's transition log across kills and restarts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "door_fixture.hpp"

namespace door::test {
namespace {

// The state file on a card of its own: a 256 KiB tmpfs that the test turns read-only or fills.
// Mounting needs root (as CI runs); elsewhere these tests say they were skipped.
class StorageFault : public DoorControl {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs as the card needs root";
    card_ = dir_.file("card");
    ASSERT_EQ(mkdir(card_.c_str(), 0700), 0);
    ASSERT_EQ(mount("tmpfs", card_.c_str(), "tmpfs", 0, "size=256k,mode=0700"), 0)
        << std::strerror(errno);
    mounted_ = true;
    const std::string run = dir_.file("run");
    ASSERT_EQ(mkdir(run.c_str(), 0700), 0);
    state_file_ = card_ + "/desired.json";
    extra_top_ = R"("runtimeDirectory":")" + run + "\",";
    // A maglock on a fire exit: a door whose release a restart would resume.
    ASSERT_NO_FATAL_FAILURE(start_agent(R"("failMode":"safe")", "locked"));
  }
  void TearDown() override {
    if (agent_) kill_agent();
    if (mounted_) umount2(card_.c_str(), MNT_DETACH);
  }

  void read_only(bool on) {
    ASSERT_EQ(mount("", card_.c_str(), nullptr, MS_REMOUNT | (on ? MS_RDONLY : 0), nullptr), 0)
        << std::strerror(errno);
  }
  // Writes until the card has no room left.
  void fill() {
    std::ofstream filler(card_ + "/filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size()) && filler.flush()) {
    }
  }

  // A kill, then a restart: the door stays locked, and the lock line shows the release, the lock
  // and the restart's request at the locked level, never a release again.
  void killed_and_restarted_still_locked() {
    ASSERT_NO_FATAL_FAILURE(kill_agent());
    ASSERT_NO_FATAL_FAILURE(restart_agent());
    EXPECT_EQ(call("getDoorState", "").body.find(R"({"lock":"locked")"), 0u);
    EXPECT_EQ(lock_transitions(dir_),
              (std::vector<std::string>{"request 1", "set 0", "set 1", "request 1"}));
  }

  std::string card_;
  bool mounted_ = false;
};

TEST_P(StorageFault, AReadOnlyCardNeverBlocksALockNorBringsTheReleaseBack) {
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"10m"})").status, 200);
  read_only(true);
  const Response r = call("lockDoor", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("lock":"locked")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("notSaved":"the state could not be saved for a restart: Read-only )"),
            std::string::npos)
      << r.body;
  killed_and_restarted_still_locked();
}

TEST_P(StorageFault, AFullCardNeverBlocksATimedLockNorBringsTheReleaseBack) {
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"10m"})").status, 200);
  fill();
  const Response r = call("lockDoor", R"({"lockTime":"10m"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("notSaved":"the state could not be saved for a restart: No space )"),
            std::string::npos)
      << r.body;
  killed_and_restarted_still_locked();
  // A timed release is what may be refused for want of storage (the removed record had freed a
  // block).
  fill();
  const Response refused = call("unlockDoor", R"({"unlockTime":"10m"})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("cannot record the timed release for a restart: No space left"),
            std::string::npos)
      << refused.body;
}

// The invariant, with the kill at any instant across the command: once the lock line has moved to
// locked, no restart brings the release back, whatever the card did.
TEST_P(StorageFault, AKillAtAnyInstantAcrossALockNeverBringsTheReleaseBack) {
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> delay_us(0, 20000);
  int locked_before_kill_rounds = 0;
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::size_t from = lock_transitions(dir_).size();
    ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"10m"})").status, 200);
    read_only(true);
    ASSERT_TRUE(service_->publish(prefix_ + "POST/lockDoor/?$rid=k" + std::to_string(round), "",
                                  GetParam() == Hub::mqtt ? 1 : 0));
    usleep(static_cast<useconds_t>(delay_us(random)));
    ASSERT_NO_FATAL_FAILURE(kill_agent());
    ASSERT_NO_FATAL_FAILURE(restart_agent());
    const std::vector<std::string> all = lock_transitions(dir_);
    const std::vector<std::string> seen(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
    ASSERT_GE(seen.size(), 2u);  // released, (locked,) requested at the restart
    const bool locked_before_kill = seen.size() >= 3 && seen[1] == "set 1";
    if (locked_before_kill) {
      EXPECT_EQ(seen.back(), "request 1");
      ++locked_before_kill_rounds;
    }
    read_only(false);
    ASSERT_EQ(call("lockDoor", "").status, 200);
  }
  // Kills after the lock had moved were met (the rest came before it).
  EXPECT_GT(locked_before_kill_rounds, 0);
}

INSTANTIATE_TEST_SUITE_P(Dialects, StorageFault, ::testing::Values(Hub::mqtt, Hub::azure),
                         hub_name);

// A motorised bolt (it must not close on an open door) whose contact wire is cut: the contact
// reads open for ever.
class OpenContact : public DoorControl {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        start_agent(R"("refuseLockWhenOpen":true,"closeWaitSeconds":1,"heldOpenSeconds":2)"));
  }
};

TEST_P(OpenContact, ADoorThatNeverReadsClosedIsLockedAfterTheWaitAndRaisesHeldOpen) {
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":1})").status, 200);
  command("set DOOR active");
  // Locked after the wait (1 s), then held open (2 s after the release ended).
  EXPECT_NE(reported_with(R"("heldOpen":"2)").find(R"("lock":"locked")"), std::string::npos);
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "set 0"}));
  command("set DOOR inactive");
  EXPECT_EQ(reported_with(R"("door":"closed")").find(R"("heldOpen":"2)"), std::string::npos);
}

TEST_P(OpenContact, LockDoorOnAnOpenDoorIsRefusedOnlyWhereConfigured) {
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"indefinite"})").status, 200);
  command("set DOOR active");
  const Response r = call("lockDoor", "");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find(R"("door":"open")"), std::string::npos) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Dialects, OpenContact, ::testing::Values(Hub::mqtt, Hub::azure), hub_name);

// A strike or a maglock locks an open door harmlessly: it holds once the door closes.
class DefaultContact : public DoorControl {};

TEST_P(DefaultContact, AnOpenDoorIsLockedByDefault) {
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"indefinite"})").status, 200);
  command("set DOOR active");
  const Response r = call("lockDoor", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("lock":"locked","door":"open")"), std::string::npos) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Dialects, DefaultContact, ::testing::Values(Hub::mqtt, Hub::azure),
                         hub_name);

// The fail mode a desired property set decides what a restart may resume, not the configured one.
class DesiredFailMode : public DoorControl {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_agent(R"("failMode":"safe")")); }
};

TEST_P(DesiredFailMode, AReleaseIsNotResumedOnADoorMadeFailSecure) {
  ASSERT_NO_FATAL_FAILURE(set_desired(R"({"$version":1,"failMode":"secure"})"));
  EXPECT_NE(reported_with(R"("failMode":{"value":"secure","ac":200)").size(), 0u);
  ASSERT_EQ(call("unlockDoor", R"({"unlockTime":"10m"})").status, 200);
  ASSERT_NO_FATAL_FAILURE(kill_agent());
  ASSERT_NO_FATAL_FAILURE(restart_agent());
  EXPECT_EQ(call("getDoorState", "").body.find(R"({"lock":"locked")"), 0u);
  EXPECT_EQ(lock_transitions(dir_), (std::vector<std::string>{"request 0", "set 1", "request 0"}));
}

INSTANTIATE_TEST_SUITE_P(Broker, DesiredFailMode, ::testing::Values(Hub::mqtt), hub_name);

}  // namespace
}  // namespace door::test
