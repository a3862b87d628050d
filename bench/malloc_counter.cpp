// Counts a whole process's heap allocations, for the benchmarks: loaded with LD_PRELOAD, it takes
// malloc, calloc, realloc and the aligned forms, counts each call and hands it to glibc. The
// count lives in a shared file (DOOR_MALLOC_COUNTER names it) that the benchmark maps and reads
// while the process runs, so no signal or exit is needed to read it.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* old, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
}

namespace {

uint64_t early_count = 0;  // allocations before the shared file is mapped
uint64_t* counter = &early_count;

void count() {
  __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) void map_counter() {
  const char* path = getenv("DOOR_MALLOC_COUNTER");
  if (path == nullptr) return;
  const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, sizeof(uint64_t)) != 0) return;
  void* shared = mmap(nullptr, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (shared == MAP_FAILED) return;
  *static_cast<uint64_t*>(shared) = early_count;
  counter = static_cast<uint64_t*>(shared);
}

}  // namespace

extern "C" {

void* malloc(size_t size) {
  count();
  return __libc_malloc(size);
}

void* calloc(size_t n, size_t size) {
  count();
  return __libc_calloc(n, size);
}

void* realloc(void* old, size_t size) {
  count();
  return __libc_realloc(old, size);
}

void* memalign(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  count();
  *out = __libc_memalign(alignment, size);
  return *out != nullptr ? 0 : ENOMEM;
}

}  // extern "C"
