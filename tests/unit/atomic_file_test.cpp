#include "port/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "port/file.hpp"

namespace door::port {
namespace {

// The whole file, or empty when it cannot be read.
std::string slurp(const std::string& path) {
  std::string text, error;
  return read_small_file(path, 1 << 20, text, error) ? text : std::string{};
}

class ReplaceFile : public ::testing::Test {
 protected:
  void SetUp() override {
    // Unique per test: ctest runs the cases in parallel processes.
    path_ = ::testing::TempDir() + "replace-file-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
    for (const char* suffix : {"", ".prev", ".tmp"}) unlink((path_ + suffix).c_str());
  }
  std::string path_;
};

TEST_F(ReplaceFile, WritesWithMode0600AndKeepsThePreviousCopy) {
  ASSERT_TRUE(replace_file(path_.c_str(), "first"));
  EXPECT_EQ(slurp(path_), "first");
  EXPECT_NE(access((path_ + ".prev").c_str(), F_OK), 0);  // nothing before the first write
  ASSERT_TRUE(replace_file(path_.c_str(), "second"));
  EXPECT_EQ(slurp(path_), "second");
  EXPECT_EQ(slurp(path_ + ".prev"), "first");
  EXPECT_NE(access((path_ + ".tmp").c_str(), F_OK), 0);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ReplaceFile, AFailedWriteLeavesTheOldFile) {
  ASSERT_TRUE(replace_file(path_.c_str(), "kept"));
  const std::string missing_dir = ::testing::TempDir() + "no-such-dir/state.json";
  EXPECT_FALSE(replace_file(missing_dir.c_str(), "lost"));
  EXPECT_EQ(slurp(path_), "kept");
}

}  // namespace
}  // namespace door::port
