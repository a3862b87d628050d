// The JSON arena: cJSON allocates from the arena of its own thread's open scope, and from the C
// heap outside a scope, so agents on several threads of one process never share an arena.
#include "agent/json_arena.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace door::agent {
namespace {

bool inside(const void* pointer, const JsonArena& arena) {
  const auto* begin = reinterpret_cast<const unsigned char*>(&arena);
  const auto* at = static_cast<const unsigned char*>(pointer);
  return at >= begin && at < begin + sizeof arena;
}

// Steps two threads take in turn.
class Turns {
 public:
  void go(int step) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      step_ = step;
    }
    changed_.notify_all();
  }
  void wait_for(int step) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return step_ >= step; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int step_ = 0;
};

TEST(JsonArena, EachThreadParsesIntoItsOwnScopesArena) {
  auto mine = std::make_unique<JsonArena>();
  auto theirs = std::make_unique<JsonArena>();
  Turns turns;
  // The other thread opens its scope after this one did, and keeps it open while this one parses.
  std::thread other([&] {
    turns.wait_for(1);
    JsonArenaScope scope(*theirs);
    EXPECT_TRUE(inside(scope.parse(R"({"lockTime":"10m"})"), *theirs));
    turns.go(2);
    turns.wait_for(3);
  });
  {
    JsonArenaScope scope(*mine);
    turns.go(1);
    turns.wait_for(2);
    const cJSON* document = scope.parse(R"({"unlockTime":"5s"})");
    EXPECT_NE(document, nullptr);
    EXPECT_TRUE(inside(document, *mine));
  }
  turns.go(3);
  other.join();
}

TEST(JsonArena, ANestedScopeRestoresTheEnclosingArena) {
  auto outer_arena = std::make_unique<JsonArena>();
  auto inner_arena = std::make_unique<JsonArena>();
  JsonArenaScope outer(*outer_arena);
  const cJSON* before = outer.parse(R"({"building":"43"})");
  ASSERT_NE(before, nullptr);
  {
    JsonArenaScope inner(*inner_arena);
    EXPECT_TRUE(inside(inner.parse(R"({"floor":3})"), *inner_arena));
  }
  // Back in the enclosing scope: cJSON allocates from its arena again, not from the heap.
  const cJSON* after = outer.parse(R"({"floor":4})");
  ASSERT_NE(after, nullptr);
  EXPECT_TRUE(inside(after, *outer_arena));
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(before, "building")->valuestring, "43");
}

TEST(JsonArena, ANestedScopeOnTheSameArenaKeepsTheEnclosingDocuments) {
  auto arena = std::make_unique<JsonArena>();
  JsonArenaScope outer(*arena);
  const cJSON* kept = outer.parse(R"({"building":"43"})");
  ASSERT_NE(kept, nullptr);
  {
    JsonArenaScope inner(*arena);
    // Would overwrite the enclosing document if the nested scope restarted the arena.
    EXPECT_NE(inner.parse(R"({"zzzzzzzz":"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"})"),
              nullptr);
  }
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(kept, "building")->valuestring, "43");
  EXPECT_TRUE(inside(outer.parse("{}"), *arena));
}

TEST(JsonArena, OutsideAScopeCJsonUsesTheHeap) {
  auto arena = std::make_unique<JsonArena>();
  {
    JsonArenaScope scope(*arena);
    EXPECT_NE(scope.parse("{}"), nullptr);
  }
  cJSON* document = cJSON_Parse(R"({"a":1})");
  ASSERT_NE(document, nullptr);
  EXPECT_FALSE(inside(document, *arena));
  cJSON_Delete(document);  // back to the heap: ASan would report freeing arena memory
}

}  // namespace
}  // namespace door::agent
