#include "scheduler/hub_client.hpp"

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "port/clock.hpp"

namespace door::scheduler {

namespace {

struct Received {
  std::string body;
  std::string continuation;
  int retry_after_s = -1;
};

// At most this much of an answer is kept: the largest is a page of twins (the hub pages them).
constexpr std::size_t kMaxAnswerBytes = 64 * 1024 * 1024;

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  if (received->body.size() + size * count > kMaxAnswerBytes) return 0;  // curl then fails
  received->body.append(data, size * count);
  return size * count;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  const auto start = text.find_first_not_of(' ');
  return start == std::string::npos ? "" : text.substr(start);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  const std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string value = trimmed(line.substr(colon + 1));
  if (name == "x-ms-continuation") {
    received->continuation = value;
  } else if (name == "retry-after") {
    char* end = nullptr;
    const long seconds = std::strtol(value.c_str(), &end, 10);
    if (!value.empty() && *end == '\0' && seconds >= 0) {
      received->retry_after_s = static_cast<int>(std::min<long>(seconds, 100));
    }
  }
  return size * count;
}

// The hub's own words from an error answer ({"Message":"ErrorCode:...;..."}), on one line and
// short: the text is the server's, not ours.
std::string hub_message(const std::string& body) {
  cJSON* json = cJSON_ParseWithLength(body.data(), body.size());
  const cJSON* message = cJSON_GetObjectItemCaseSensitive(json, "Message");
  std::string text = cJSON_IsString(message) ? message->valuestring : "";
  cJSON_Delete(json);
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text.empty() ? "" : " (" + text + ")";
}

}  // namespace

HubClient::HubClient(HubConnection connection, std::string ca_file, NoticeFn notice)
    : connection_(std::move(connection)), ca_file_(std::move(ca_file)), notice_(std::move(notice)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl_ = curl_easy_init();
}

HubClient::~HubClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

const std::string& HubClient::token() {
  const int64_t now = port::wall_seconds();
  if (token_.empty() || now >= token_renew_at_) {
    token_ = service_sas_token(connection_, now + kTokenSeconds);
    token_renew_at_ = now + kTokenSeconds * 8 / 10;
  }
  return token_;
}

void HubClient::fail(HubFailure failure, const std::string& what) {
  failure_ = failure;
  error_ = what;
}

bool HubClient::call(const char* method, const std::string& path, const std::string& query,
                     const std::string* body, const std::string& continuation, HubResponse& out) {
  out = HubResponse{};
  failure_ = HubFailure::none;
  error_.clear();
  retried_ = false;
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    fail(HubFailure::network, "libcurl could not be set up");
    return false;
  }
  const std::string what = std::string(method) + " " + path;
  const std::string url =
      "https://" + connection_.host + path + "?api-version=" + kApiVersion + query;
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    Received received;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("Authorization: " + token()).c_str());
    // As the SDKs send JSON; no Content-Type at all without a body (curl would add a form type).
    headers =
        curl_slist_append(headers, body != nullptr ? "Content-Type: application/json; charset=utf-8"
                                                   : "Content-Type:");
    // Nothing the SDKs do not send: no Accept: */*, no Expect: 100-continue.
    headers = curl_slist_append(headers, "Accept:");
    headers = curl_slist_append(headers, "Expect:");
    if (!continuation.empty()) {
      headers = curl_slist_append(headers, ("x-ms-continuation: " + continuation).c_str());
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "door-scheduler");
    if (body != nullptr) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    } else if (std::string(method) == "POST") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (!ca_file_.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
      const std::string reason = curl_easy_strerror(rc);
      switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
          fail(HubFailure::dns, "cannot resolve the IoT Hub host " + connection_.host);
          break;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
          fail(HubFailure::tls, "TLS with " + connection_.host + " failed: " + reason);
          break;
        default: fail(HubFailure::network, what + " to " + connection_.host + " failed: " + reason);
      }
      return false;
    }
    if (status >= 200 && status < 300) {
      out.status = status;
      out.body = std::move(received.body);
      out.continuation = std::move(received.continuation);
      return true;
    }
    const std::string said = hub_message(received.body);
    if ((status == 429 || status >= 500) && attempt < kMaxAttempts) {
      // Retry-After when the hub gives it, else 1 s doubling, with up to a second of jitter.
      const int64_t delay_ms =
          received.retry_after_s >= 0
              ? int64_t{received.retry_after_s} * 1000
              : std::min<int64_t>(int64_t{1000} << (attempt - 1), kMaxDelaySeconds * 1000) +
                    static_cast<int64_t>(jitter() % 1000);
      if (notice_) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(delay_ms) / 1000);
        notice_("IoT Hub answered " + what + " with " + std::to_string(status) +
                (status == 429 ? " (throttled)" : "") + "; retrying in " + seconds + " s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      retried_ = true;
      continue;
    }
    const std::string code = std::to_string(status);
    if (status == 401) {
      fail(HubFailure::unauthorized,
           "IoT Hub refused the credentials (401): check SharedAccessKeyName and SharedAccessKey "
           "of the connection string" +
               said);
    } else if (status == 403) {
      fail(HubFailure::forbidden, "IoT Hub refused " + what + " (403): the policy " +
                                      connection_.key_name + " lacks the permission it needs" +
                                      said);
    } else if (status == 404) {
      fail(HubFailure::not_found, "IoT Hub has no such resource: " + what + " (404)" + said);
    } else if (status == 409) {
      fail(HubFailure::conflict, "IoT Hub refused " + what + " (409): it exists already" + said);
    } else if (status == 429) {
      fail(HubFailure::throttled, "IoT Hub still throttled " + what + " (429) after " +
                                      std::to_string(kMaxAttempts) + " attempts" + said);
    } else if (status >= 500) {
      fail(HubFailure::server, "IoT Hub failed " + what + " (" + code + ") " +
                                   std::to_string(kMaxAttempts) + " times" + said);
    } else {
      fail(HubFailure::refused, "IoT Hub refused " + what + " (" + code + ")" + said);
    }
    return false;
  }
}

}  // namespace door::scheduler
