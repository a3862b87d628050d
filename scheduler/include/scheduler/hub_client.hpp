#pragma once
// IoT Hub's service REST API over HTTPS (libcurl), api-version 2021-04-12, signed with a service
// SAS token that is made again before it expires. Throttling (429) and server errors (5xx) are
// retried with backoff, honouring Retry-After; every other failure is one line and a kind, so the
// command can exit with the code documented for it. The key and the token are never printed.
#include <cstdint>
#include <functional>
#include <string>

#include "scheduler/hub_connection.hpp"

namespace door::scheduler {

enum class HubFailure {
  none,
  unauthorized,  // 401: the key or the policy name is wrong
  forbidden,     // 403: the policy lacks the permission
  not_found,     // 404
  conflict,      // 409: a job with the id exists
  throttled,     // 429, still after the retries
  server,        // 5xx, still after the retries
  refused,       // another 4xx: the hub refused the request itself
  tls,           // the hub's certificate did not verify, or the handshake failed
  dns,           // the host name does not resolve
  network,       // no connection, or no answer in time
  bad_answer,    // an answer that is not what the REST reference says
};

struct HubResponse {
  long status = 0;
  std::string body;
  std::string continuation;  // the x-ms-continuation header: more results follow
};

class HubClient {
 public:
  static constexpr const char* kApiVersion = "2021-04-12";
  static constexpr int64_t kTokenSeconds = 3600;  // as the SDKs: one hour, made again at 80 %
  static constexpr int kMaxAttempts = 5;          // for 429 and 5xx
  static constexpr int kMaxDelaySeconds = 100;    // azure-sdk-for-c's retry ceiling

  // Told of each retry ("IoT Hub throttled the request (429); retrying in 2 s").
  using NoticeFn = std::function<void(const std::string&)>;

  HubClient(HubConnection connection, std::string ca_file, NoticeFn notice);
  ~HubClient();
  HubClient(const HubClient&) = delete;
  HubClient& operator=(const HubClient&) = delete;

  // method and path ("/jobs/v2/ID"); query: more query parameters after api-version ("&a=b");
  // body: JSON, or null for none; continuation: the x-ms-continuation to send, or empty. True for
  // a 2xx answer; otherwise failure() and error() tell why.
  [[nodiscard]] bool call(const char* method, const std::string& path, const std::string& query,
                          const std::string* body, const std::string& continuation,
                          HubResponse& out);

  HubFailure failure() const { return failure_; }
  const std::string& error() const { return error_; }
  // Whether the last call sent its request more than once (a create may then have succeeded).
  bool retried() const { return retried_; }
  const std::string& host() const { return connection_.host; }

 private:
  const std::string& token();
  void fail(HubFailure failure, const std::string& what);

  HubConnection connection_;
  std::string ca_file_;
  NoticeFn notice_;
  void* curl_ = nullptr;
  std::string token_;
  int64_t token_renew_at_ = 0;
  HubFailure failure_ = HubFailure::none;
  std::string error_;
  bool retried_ = false;
};

}  // namespace door::scheduler
