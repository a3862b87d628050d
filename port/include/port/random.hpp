#pragma once
#include <cstddef>
#include <cstdint>

namespace door::port {

// Fills out with the kernel's random numbers (getrandom, retried when interrupted); false when the
// kernel cannot give them.
bool fill_random(void* out, std::size_t length);

// Non-cryptographic generator for backoff jitter, seeded from the kernel's entropy.
class JitterRandom {
 public:
  JitterRandom();
  explicit JitterRandom(uint64_t seed) : state_(seed | 1) {}
  // Uniform in [0, bound], bound >= 0.
  int64_t uniform(int64_t bound);

 private:
  uint64_t next();
  uint64_t state_;
};

}  // namespace door::port
