#pragma once
#include <cstdint>

namespace door::port {

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
