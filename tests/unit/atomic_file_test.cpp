#include "port/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "port/file.hpp"

namespace door::port {
namespace {

// The whole file, or empty when it cannot be read.
std::string slurp(const std::string& path) {
  const Result<std::string> text = read_small_file(path, 1 << 20);
  return text.is_ok() ? text.value() : std::string{};
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
  ASSERT_TRUE(replace_file(path_.c_str(), "first").is_ok());
  EXPECT_EQ(slurp(path_), "first");
  EXPECT_NE(access((path_ + ".prev").c_str(), F_OK), 0);  // nothing before the first write
  ASSERT_TRUE(replace_file(path_.c_str(), "second").is_ok());
  EXPECT_EQ(slurp(path_), "second");
  EXPECT_EQ(slurp(path_ + ".prev"), "first");
  EXPECT_NE(access((path_ + ".tmp").c_str(), F_OK), 0);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ReplaceFile, AFailedWriteLeavesTheOldFile) {
  ASSERT_TRUE(replace_file(path_.c_str(), "kept").is_ok());
  const std::string missing_dir = ::testing::TempDir() + "no-such-dir/state.json";
  const Status lost = replace_file(missing_dir.c_str(), "lost");
  EXPECT_EQ(lost, Status::io_error());
  EXPECT_EQ(lost.error_number(), ENOENT);
  EXPECT_EQ(std::string(lost.reason()), missing_dir + ": No such file or directory");
  EXPECT_EQ(slurp(path_), "kept");
}

TEST(ReadSmallFile, EachRefusalNamesThePathAndWhy) {
  const std::string dir = ::testing::TempDir();
  const std::string missing = dir + "read-small-file-missing";
  const Result<std::string> none = read_small_file(missing, 16);
  EXPECT_EQ(none.status().error_number(), ENOENT);
  EXPECT_EQ(std::string(none.status().reason()), missing + ": No such file or directory");
  const Result<std::string> directory = read_small_file(dir, 16);
  EXPECT_EQ(directory.status(), Status::invalid());
  EXPECT_EQ(std::string(directory.status().reason()), dir + ": not a regular file");
  const std::string big = dir + "read-small-file-big";
  ASSERT_TRUE(replace_file(big.c_str(), "seventeen bytes!!").is_ok());
  const Result<std::string> too_big = read_small_file(big, 16);
  EXPECT_EQ(too_big.status(), Status::too_large());
  EXPECT_EQ(std::string(too_big.status().reason()), big + ": larger than 16 bytes");
  const Result<std::string> fits = read_small_file(big, 17);
  ASSERT_TRUE(fits.is_ok());
  EXPECT_EQ(fits.value(), "seventeen bytes!!");
}

}  // namespace
}  // namespace door::port
