#include "port/random.hpp"

#include <errno.h>
#include <sys/random.h>

#include "port/clock.hpp"

namespace door::port {

bool fill_random(void* out, std::size_t length) {
  auto* bytes = static_cast<unsigned char*>(out);
  std::size_t filled = 0;
  while (filled < length) {
    const ssize_t n = getrandom(bytes + filled, length - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

JitterRandom::JitterRandom() : state_(0) {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seed)) {
    seed = static_cast<uint64_t>(monotonic_ms());
  }
  state_ = seed | 1;
}

uint64_t JitterRandom::next() {  // xorshift64*
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545F4914F6CDD1DULL;
}

int64_t JitterRandom::uniform(int64_t bound) {
  if (bound <= 0) return 0;
  return static_cast<int64_t>(next() % (static_cast<uint64_t>(bound) + 1));
}

}  // namespace door::port
