#pragma once
// Adapters that route a timer or fd callback to a member function, so one object can own several
// timers and descriptors without std::function (which may allocate).
#include <cstdint>

#include "port/event_loop.hpp"

namespace door::port {

template <class Owner, void (Owner::*Method)()>
class MemberTimer final : public TimerHandler {
 public:
  explicit MemberTimer(Owner& owner) : owner_(owner) {}
  void on_timer() override { (owner_.*Method)(); }

 private:
  Owner& owner_;
};

template <class Owner, void (Owner::*Method)(uint32_t)>
class MemberFd final : public FdHandler {
 public:
  explicit MemberFd(Owner& owner) : owner_(owner) {}
  void on_fd_ready(uint32_t events) override { (owner_.*Method)(events); }

 private:
  Owner& owner_;
};

}  // namespace door::port
