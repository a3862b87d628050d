#include "port/file_syncer.hpp"

#include <unistd.h>

#include <cerrno>

namespace door::port {

FileSyncer::~FileSyncer() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void FileSyncer::request(int fd, uint64_t mark) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fd_ = fd;
    requested_ = true;
    requested_mark_ = mark;
  }
  if (!thread_.joinable()) thread_ = std::thread(&FileSyncer::run, this);
  wake_.notify_all();
}

bool FileSyncer::take_finished(Finished& out) {
  done_.drain();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!finished_) return false;
  finished_ = false;
  out = last_;
  return true;
}

void FileSyncer::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return !busy_ && !requested_; });
}

void FileSyncer::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || requested_; });
    if (!requested_) return;  // stopping, with nothing left to sync
    const int fd = fd_;
    const uint64_t mark = requested_mark_;
    requested_ = false;
    busy_ = true;
    lock.unlock();
    const int error = fdatasync(fd) == 0 ? 0 : errno;
    lock.lock();
    busy_ = false;
    // A failure is kept until taken: a later success must not hide it.
    const int kept = finished_ && last_.error != 0 ? last_.error : error;
    last_ = Finished{mark, kept};
    finished_ = true;
    wake_.notify_all();
    done_.signal();
  }
}

}  // namespace door::port
