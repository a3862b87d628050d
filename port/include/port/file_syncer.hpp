#pragma once
// Flushes a file to its storage (fdatasync) on a thread of its own, so the event loop never waits
// for a slow or failing SD card: a lock command arriving meanwhile is handled at once. The loop
// asks for a sync up to a mark of its choosing and learns on the eventfd which mark is durable.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "port/event_fd.hpp"

namespace door::port {

class FileSyncer {
 public:
  FileSyncer() = default;
  ~FileSyncer();
  FileSyncer(const FileSyncer&) = delete;
  FileSyncer& operator=(const FileSyncer&) = delete;

  // Readable when a sync finished (the loop calls take_finished()).
  int event_fd() const { return done_.fd(); }
  // Loop thread: syncs fd once more, covering everything written before this call; mark names
  // it. Starts the thread on first use.
  void request(int fd, uint64_t mark);
  struct Finished {
    uint64_t mark;  // the newest mark whose sync finished
    int error;      // its errno, 0 when it succeeded
  };
  // Loop thread: the last finished sync since the previous call; false when none.
  bool take_finished(Finished& out);
  // Loop thread: waits for the sync under way and those asked for, before fd is closed.
  void wait_idle();

 private:
  void run();

  EventFd done_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool stopping_ = false;
  bool busy_ = false;
  int fd_ = -1;
  bool requested_ = false;
  uint64_t requested_mark_ = 0;
  bool finished_ = false;
  Finished last_{0, 0};
};

}  // namespace door::port
