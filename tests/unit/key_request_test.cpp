#include "agent/key_request.hpp"

#include <dirent.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "port/file.hpp"

namespace door::agent {
namespace {

std::string slurp(const std::string& path) {
  const port::Result<std::string> text = port::read_small_file(path, 1 << 16);
  return text.is_ok() ? text.value() : std::string{};
}

// A folder of its own for each test (ctest runs the cases in parallel processes), emptied and
// removed afterwards.
class KeyRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "key-request-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    key_ = dir_ + "/client.key";
  }
  void TearDown() override {
    for (const std::string& name : names()) unlink((dir_ + "/" + name).c_str());
    rmdir(dir_.c_str());
  }
  // The folder's entries, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    DIR* d = opendir(dir_.c_str());
    if (d == nullptr) return out;
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(name);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }
  KeyRequestOptions options(const std::string& device, bool rekey = false) const {
    KeyRequestOptions o;
    o.device_id = device;
    o.key_path = key_;
    o.rekey = rekey;
    return o;
  }

  std::string dir_;
  std::string key_;
};

// The CSR parsed back: subject, key type and curve, its signature by the key it holds, and that
// key the public half of the file's.
void expect_request_of(const std::string& csr_pem, const std::string& key_path,
                       const char* subject) {
  mbedtls_x509_csr csr;
  mbedtls_x509_csr_init(&csr);
  ASSERT_EQ(mbedtls_x509_csr_parse(&csr, reinterpret_cast<const unsigned char*>(csr_pem.c_str()),
                                   csr_pem.size() + 1),
            0)
      << csr_pem;
  char name[256];
  ASSERT_GT(mbedtls_x509_dn_gets(name, sizeof name, &csr.subject), 0);
  EXPECT_STREQ(name, subject);
  ASSERT_EQ(mbedtls_pk_get_type(&csr.pk), MBEDTLS_PK_ECKEY);
  EXPECT_EQ(mbedtls_pk_ec(csr.pk)->grp.id, MBEDTLS_ECP_DP_SECP256R1);
  EXPECT_EQ(csr.sig_md, MBEDTLS_MD_SHA256);

  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(csr.sig_md);
  ASSERT_NE(md, nullptr);
  unsigned char hash[MBEDTLS_MD_MAX_SIZE];
  ASSERT_EQ(mbedtls_md(md, csr.cri.p, csr.cri.len, hash), 0);
  EXPECT_EQ(mbedtls_pk_verify_ext(csr.sig_pk, csr.sig_opts, &csr.pk, csr.sig_md, hash,
                                  mbedtls_md_get_size(md), csr.sig.p, csr.sig.len),
            0);
  // One bit of the signed body changed: the signature no longer verifies.
  hash[0] ^= 1;
  EXPECT_NE(mbedtls_pk_verify_ext(csr.sig_pk, csr.sig_opts, &csr.pk, csr.sig_md, hash,
                                  mbedtls_md_get_size(md), csr.sig.p, csr.sig.len),
            0);

  mbedtls_pk_context key;
  mbedtls_pk_init(&key);
  EXPECT_EQ(mbedtls_pk_parse_keyfile(&key, key_path.c_str(), nullptr), 0);
  EXPECT_EQ(mbedtls_pk_check_pair(&csr.pk, &key), 0);
  mbedtls_pk_free(&key);
  mbedtls_x509_csr_free(&csr);
}

TEST_F(KeyRequestTest, MakesAP256KeyAndARequestSignedByIt) {
  port::Result<KeyRequest> made = KeyRequest::make(options("door.1"));
  ASSERT_TRUE(made.is_ok()) << made.status().reason();
  EXPECT_NE(access(key_.c_str(), F_OK), 0) << "the key is in place before commit";
  ASSERT_TRUE(made.value().commit().is_ok());
  EXPECT_EQ(names(), std::vector<std::string>{"client.key"});  // no temporary file left
  EXPECT_EQ(made.value().csr_pem().rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0u);
  expect_request_of(made.value().csr_pem(), key_, "CN=door.1");
}

TEST_F(KeyRequestTest, TheKeyIsReadableByItsOwnerOrTheServiceGroupOnly) {
  port::Result<KeyRequest> made = KeyRequest::make(options("door-1"));
  ASSERT_TRUE(made.is_ok()) << made.status().reason();
  ASSERT_TRUE(made.value().commit().is_ok());
  struct stat st {};
  ASSERT_EQ(stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, geteuid());
  const group* service = getgrnam(kServiceGroup);
  if (geteuid() == 0 && service != nullptr) {
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_gid, service->gr_gid);
  } else {
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }
}

TEST_F(KeyRequestTest, RefusesToReplaceAKeyUnlessRekeying) {
  ASSERT_EQ(symlink("elsewhere", key_.c_str()), 0);  // any entry counts, even a dangling link
  port::Result<KeyRequest> refused = KeyRequest::make(options("door-1"));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(std::string(refused.status().reason()).find("--rekey"), std::string::npos)
      << refused.status().reason();
  unlink(key_.c_str());

  port::Result<KeyRequest> first = KeyRequest::make(options("door-1"));
  ASSERT_TRUE(first.is_ok()) << first.status().reason();
  ASSERT_TRUE(first.value().commit().is_ok());
  const std::string old_key = slurp(key_);
  ASSERT_FALSE(KeyRequest::make(options("door-1")).is_ok());
  EXPECT_EQ(slurp(key_), old_key);

  port::Result<KeyRequest> rekeyed = KeyRequest::make(options("door-1", true));
  ASSERT_TRUE(rekeyed.is_ok()) << rekeyed.status().reason();
  EXPECT_EQ(slurp(key_), old_key) << "the old key is replaced before commit";
  ASSERT_TRUE(rekeyed.value().commit().is_ok());
  EXPECT_NE(slurp(key_), old_key);
  EXPECT_EQ(names(), std::vector<std::string>{"client.key"});
  expect_request_of(rekeyed.value().csr_pem(), key_, "CN=door-1");
}

TEST_F(KeyRequestTest, AKeyPutThereMeanwhileIsKept) {
  port::Result<KeyRequest> made = KeyRequest::make(options("door-1"));
  ASSERT_TRUE(made.is_ok()) << made.status().reason();
  ASSERT_EQ(symlink("someone-elses", key_.c_str()), 0);
  EXPECT_FALSE(made.value().commit().is_ok());
  char target[64] = {};
  EXPECT_GT(readlink(key_.c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "someone-elses");
}

TEST_F(KeyRequestTest, AKeyNotCommittedLeavesNothing) {
  {
    port::Result<KeyRequest> made = KeyRequest::make(options("door-1"));
    ASSERT_TRUE(made.is_ok()) << made.status().reason();
    EXPECT_EQ(names().size(), 1u);  // the key under its temporary name
  }
  EXPECT_TRUE(names().empty());
}

TEST_F(KeyRequestTest, EveryKeyIsNew) {
  port::Result<KeyRequest> a = KeyRequest::make(options("door-1"));
  ASSERT_TRUE(a.is_ok());
  const std::string other = dir_ + "/other.key";
  KeyRequestOptions o = options("door-1");
  o.key_path = other;
  port::Result<KeyRequest> b = KeyRequest::make(o);
  ASSERT_TRUE(b.is_ok());
  ASSERT_TRUE(a.value().commit().is_ok());
  ASSERT_TRUE(b.value().commit().is_ok());
  EXPECT_NE(slurp(key_), slurp(other));
  EXPECT_NE(a.value().csr_pem(), b.value().csr_pem());
}

TEST_F(KeyRequestTest, RefusesAnIdTheAgentWouldRefuse) {
  for (const char* id : {"", "a/b", "door-1,CN=scheduler", "door 1", "door+1"}) {
    port::Result<KeyRequest> made = KeyRequest::make(options(id));
    EXPECT_FALSE(made.is_ok()) << id;
    EXPECT_EQ(made.status().code(), port::Status::Code::invalid) << id;
  }
  EXPECT_FALSE(KeyRequest::make(options(std::string(129, 'a'))).is_ok());
  EXPECT_TRUE(names().empty());
}

TEST_F(KeyRequestTest, AFolderThatIsNotThereIsNamed) {
  KeyRequestOptions o = options("door-1");
  o.key_path = dir_ + "/missing/client.key";
  port::Result<KeyRequest> made = KeyRequest::make(o);
  ASSERT_FALSE(made.is_ok());
  EXPECT_NE(std::string(made.status().reason()).find(o.key_path), std::string::npos)
      << made.status().reason();
  EXPECT_NE(std::string(made.status().reason()).find("No such file or directory"),
            std::string::npos)
      << made.status().reason();
}

}  // namespace
}  // namespace door::agent
