#pragma once
// The single-threaded event loop: epoll for file descriptors, a fixed table of one-shot timers
// whose nearest deadline becomes the epoll_wait timeout. Idle means blocked in epoll_wait.
#include <cstddef>
#include <cstdint>

#include "port/status.hpp"

namespace door::port {

class FdHandler {
 public:
  virtual void on_fd_ready(uint32_t epoll_events) = 0;

 protected:
  ~FdHandler() = default;
};

class TimerHandler {
 public:
  virtual void on_timer() = 0;

 protected:
  ~TimerHandler() = default;
};

using TimerId = int;
constexpr TimerId kNoTimer = -1;

class EventLoop {
 public:
  // Timers are few and known at start (reconnect, keep-alive, renewals, lock timers); a fixed table
  // keeps the loop allocation-free.
  static constexpr std::size_t kMaxTimers = 32;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool valid() const { return epoll_fd_ >= 0; }

  // A failure carries epoll_ctl's errno (and is logged).
  Status add_fd(int fd, uint32_t epoll_events, FdHandler* handler);
  // handler: the one add_fd registered. An event of the batch being dispatched that is still
  // waiting for it is dropped, so a handler is never called after its descriptor was removed.
  void remove_fd(int fd, const FdHandler* handler);

  // A timer slot is reserved once and armed any number of times.
  // Full (and logged) when every slot is taken.
  Result<TimerId> add_timer(TimerHandler* handler);
  void arm_timer(TimerId id, int64_t delay_ms);
  void cancel_timer(TimerId id);
  bool timer_armed(TimerId id) const;

  // Called after each batch of descriptors and due timers (one per run_once): the runtime drains
  // what the batch's handlers left for it. nullptr for none.
  void set_batch_end(TimerHandler* handler) { batch_end_ = handler; }

  // Runs until stop() is called from a handler.
  void run();
  // Runs handlers due now or becoming ready within timeout_ms; returns after one epoll_wait.
  void run_once(int timeout_ms);
  void stop() { running_ = false; }

 private:
  struct Timer {
    TimerHandler* handler = nullptr;
    int64_t deadline_ms = 0;
    bool armed = false;
  };

  int next_timeout_ms(int cap_ms) const;
  void fire_due_timers();

  int epoll_fd_ = -1;
  bool running_ = false;
  // The batch of events run_once is dispatching (nullptr outside it): remove_fd clears the entries
  // of a removed handler that are still to come.
  FdHandler** batch_ = nullptr;
  int batch_size_ = 0;
  TimerHandler* batch_end_ = nullptr;
  Timer timers_[kMaxTimers];
  std::size_t timer_count_ = 0;
};

}  // namespace door::port
