#include "port/event_loop.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "port/clock.hpp"
#include "port/event_fd.hpp"
#include "port/signals.hpp"

namespace door::port {
namespace {

struct Recorder final : TimerHandler {
  std::vector<int>* order;
  int id;
  Recorder(std::vector<int>* o, int i) : order(o), id(i) {}
  void on_timer() override { order->push_back(id); }
};

struct StopOnReady final : FdHandler {
  EventLoop& loop;
  int calls = 0;
  explicit StopOnReady(EventLoop& l) : loop(l) {}
  void on_fd_ready(uint32_t) override {
    ++calls;
    loop.stop();
  }
};

// Three timers added as 1, 2, 3 and armed to be due in the order 2, 3, 1. They are armed in that
// order too: a slow moment between two arms (qemu) then only moves a later deadline later.
class ThreeTimers : public ::testing::Test {
 protected:
  void arm(int64_t unit_ms) {
    loop_.arm_timer(tb_, unit_ms);
    loop_.arm_timer(tc_, 2 * unit_ms);
    loop_.arm_timer(ta_, 3 * unit_ms);
  }
  EventLoop loop_;
  std::vector<int> order_;
  Recorder a_{&order_, 1}, b_{&order_, 2}, c_{&order_, 3};
  const TimerId ta_ = loop_.add_timer(&a_).value();
  const TimerId tb_ = loop_.add_timer(&b_).value();
  const TimerId tc_ = loop_.add_timer(&c_).value();
};

TEST_F(ThreeTimers, FireInDeadlineOrderAndOnlyOnce) {
  arm(10);
  while (order_.size() < 3) loop_.run_once(-1);  // blocks until the next deadline each time
  EXPECT_EQ(order_, (std::vector<int>{2, 3, 1}));
  EXPECT_FALSE(loop_.timer_armed(ta_));
}

// A wake-up that comes late (a loaded machine, qemu) finds several timers due at once: they still
// fire in the order they were due, not in the order they were added.
TEST_F(ThreeTimers, DueTogetherFireInDeadlineOrder) {
  arm(1);
  const int64_t all_due = monotonic_ms() + 3;
  while (monotonic_ms() <= all_due) {
  }
  loop_.run_once(0);
  EXPECT_EQ(order_, (std::vector<int>{2, 3, 1}));
}

TEST(EventLoop, CancelledTimerDoesNotFire) {
  EventLoop loop;
  std::vector<int> order;
  Recorder a(&order, 1), b(&order, 2);
  const TimerId ta = loop.add_timer(&a).value();
  const TimerId tb = loop.add_timer(&b).value();
  loop.arm_timer(ta, 5);
  loop.arm_timer(tb, 10);
  loop.cancel_timer(ta);
  while (order.empty()) loop.run_once(-1);
  EXPECT_EQ(order, (std::vector<int>{2}));
}

TEST(EventLoop, ADescriptorEpollRefusesIsAFailureWithItsErrno) {
  EventLoop loop;
  StopOnReady handler(loop);
  const Status refused = loop.add_fd(-1, EPOLLIN, &handler);
  EXPECT_EQ(refused, Status::io_error());
  EXPECT_EQ(refused.error_number(), EBADF);
  EXPECT_STREQ(refused.reason(), "epoll_ctl add: Bad file descriptor");
}

TEST(EventLoop, NoArmedTimerMeansTheWaitHasNoTimeout) {
  EventLoop loop;
  EventFd wake;
  StopOnReady handler(loop);
  ASSERT_TRUE(loop.add_fd(wake.fd(), EPOLLIN, &handler).is_ok());
  // Another thread wakes the loop; until then it must sleep in epoll_wait, not spin.
  std::thread other([&] { wake.signal(); });
  loop.run();
  other.join();
  EXPECT_EQ(handler.calls, 1);
}

// Removes the other descriptor when it runs, as a lock actuator's owner may when a line fails.
struct RemovesOther final : FdHandler {
  EventLoop& loop;
  int other_fd = -1;
  FdHandler* other = nullptr;
  int* calls;
  RemovesOther(EventLoop& l, int* c) : loop(l), calls(c) {}
  void on_fd_ready(uint32_t) override {
    ++*calls;
    loop.remove_fd(other_fd, other);
  }
};

TEST(EventLoop, ADescriptorRemovedEarlierInTheBatchIsNotDispatched) {
  EventLoop loop;
  EventFd first, second;
  int calls = 0;
  RemovesOther a(loop, &calls), b(loop, &calls);
  a.other_fd = second.fd();
  a.other = &b;
  b.other_fd = first.fd();
  b.other = &a;
  ASSERT_TRUE(loop.add_fd(first.fd(), EPOLLIN, &a).is_ok());
  ASSERT_TRUE(loop.add_fd(second.fd(), EPOLLIN, &b).is_ok());
  first.signal();
  second.signal();
  // Both are ready in one epoll_wait; whichever runs first removes the other, which must not run.
  loop.run_once(-1);
  EXPECT_EQ(calls, 1);
}

TEST(EventLoop, TimerTableIsBounded) {
  EventLoop loop;
  std::vector<int> order;
  Recorder r(&order, 0);
  for (std::size_t i = 0; i < EventLoop::kMaxTimers; ++i) EXPECT_TRUE(loop.add_timer(&r).is_ok());
  const Result<TimerId> none = loop.add_timer(&r);
  EXPECT_EQ(none.status(), Status::full());
  EXPECT_EQ(std::string(none.status().reason()),
            "event loop: all " + std::to_string(EventLoop::kMaxTimers) + " timer slots are in use");
}

TEST(SignalFd, DeliversTermAndHupToTheLoop) {
  SignalFd signals;
  EventLoop loop;
  StopOnReady handler(loop);
  ASSERT_TRUE(loop.add_fd(signals.fd(), EPOLLIN, &handler).is_ok());
  ASSERT_EQ(raise(SIGHUP), 0);
  loop.run();
  EXPECT_EQ(signals.read_signal(), SIGHUP);
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_EQ(signals.read_signal(), SIGTERM);
  EXPECT_EQ(signals.read_signal(), 0);
}

TEST(Clock, FormatsUtc) {
  char buf[32];
  ASSERT_TRUE(format_utc(1800000000, buf, sizeof buf).is_ok());
  EXPECT_STREQ(buf, "2027-01-15T08:00:00Z");
  EXPECT_FALSE(wall_clock_unset());
  EXPECT_EQ(format_utc(0, buf, 10), Status::too_large());
}

}  // namespace
}  // namespace door::port
