// The differential check: the official IoT Hub service SDK for Node.js (azure-iothub,
// tests/harness/iothub-sdk) and door-scheduler send the same jobs and queries to two contract
// servers; every request must be the same in everything the hub sees. Left aside: header and JSON
// member order, the token's expiry and so its signature (each server checks the signature), and
// what names the client (Request-Id, User-Agent); transfer headers (Content-Length, Connection).
#include <sys/wait.h>

#include <ctime>

#include "scheduler_hub_fixture.hpp"

namespace door::test {
namespace {

// The fields of "SharedAccessSignature sr=..&sig=..&skn=..&se=..", URL-decoded.
std::map<std::string, std::string> token_fields(const std::string& header) {
  std::map<std::string, std::string> fields;
  const std::string prefix = "SharedAccessSignature ";
  if (header.rfind(prefix, 0) != 0) return fields;
  std::string rest = header.substr(prefix.size()) + "&";
  for (std::size_t at = 0, amp; (amp = rest.find('&', at)) != std::string::npos; at = amp + 1) {
    const std::string part = rest.substr(at, amp - at);
    const auto eq = part.find('=');
    std::string value;
    for (std::size_t i = eq + 1; i < part.size(); ++i) {
      if (part[i] == '%' && i + 2 < part.size()) {
        value += static_cast<char>(std::stoi(part.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        value += part[i];
      }
    }
    fields[part.substr(0, eq)] = value;
  }
  return fields;
}

TEST(HubSdkDifferential, DoorSchedulerSendsWhatTheOfficialSdkSends) {
  IotHubContract sdk_hub;
  TempDir dir;
  // Tomorrow, to the second, written as both take it.
  char start[32];
  const time_t tomorrow = time(nullptr) + 86400;
  tm parts{};
  gmtime_r(&tomorrow, &parts);
  std::strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &parts);
  const std::string ops = std::string(R"([
    {"op":"scheduleDeviceMethod","jobId":"d-1","query":"deviceId IN ['door-1','door-2']",
     "method":{"methodName":"lockDoor","payload":{"lockTime":"10m"},"responseTimeoutInSeconds":30},
     "start":")") + start +
                          R"(","maxExecutionTimeInSeconds":3600},
    {"op":"scheduleTwinUpdate","jobId":"d-2","query":"deviceId = 'door-1'",
     "patch":{"etag":"*","properties":{"desired":{"building":43,"floor":3}}},
     "start":")" + start + R"(","maxExecutionTimeInSeconds":3600},
    {"op":"getJob","jobId":"d-1"},
    {"op":"query","query":"SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'd-1'"},
    {"op":"jobs"},
    {"op":"cancelJob","jobId":"d-1"},
    {"op":"query","query":"SELECT * FROM devices"}])";
  Process sdk({"node", DOOR_SOURCE_DIR "/tests/harness/iothub-sdk/send.mjs",
               sdk_hub.connection_string(), dir.write("ops.json", ops)},
              {"NODE_EXTRA_CA_CERTS=" + TestPki::shared().file("ca.pem")});
  ASSERT_TRUE(sdk.wait_exit(60s));
  ASSERT_TRUE(has(sdk.output(), "done"))
      << sdk.output() << "\n(npm ci --prefix tests/harness/iothub-sdk installs the SDK)";

  // The same work from door-scheduler, on a hub of its own.
  HubCli ours;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"schedule", "method", "--query", "deviceId IN ['door-1','door-2']", "--method",
            "lockDoor", "--payload", R"({"lockTime":"10m"})", "--start", start, "--id", "d-1"},
           {"schedule", "twin", "--query", "deviceId = 'door-1'", "--patch",
            R"({"building":43,"floor":3})", "--start", start, "--id", "d-2"},
           {"job", "d-1"},
           {"jobs"},
           {"cancel", "d-1"},
           {"devices"}}) {
    const CliResult r = ours.run(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  const auto theirs = sdk_hub.requests();
  const auto mine = ours.hub().requests();
  ASSERT_EQ(mine.size(), theirs.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const JsonLine a(mine[i]);
    const JsonLine b(theirs[i]);
    SCOPED_TRACE("request " + std::to_string(i) + ":\n door-scheduler " + mine[i] + "\n sdk " +
                 theirs[i]);
    EXPECT_EQ(a.status(), 200);
    EXPECT_EQ(b.status(), 200);
    EXPECT_FALSE(has(mine[i], "\"violation\""));
    EXPECT_FALSE(has(theirs[i], "\"violation\""));
    for (const char* member : {"method", "path", "query"})
      EXPECT_EQ(a.text(member), b.text(member));
    // The host differs by the port of each server only.
    EXPECT_EQ(a.header("host"), ours.hub().host());
    EXPECT_EQ(b.header("host"), sdk_hub.host());
    for (const char* header : {"content-type", "x-ms-continuation", "x-ms-max-item-count",
                               "if-match", "accept", "content-encoding"}) {
      EXPECT_EQ(a.header(header), b.header(header)) << header;
    }
    // The same headers, but for those that name the client or frame the transfer.
    std::set<std::string> names_a, names_b;
    for (const cJSON* h = cJSON_GetObjectItem(a.json, "headers")->child; h; h = h->next)
      names_a.insert(h->string);
    for (const cJSON* h = cJSON_GetObjectItem(b.json, "headers")->child; h; h = h->next)
      names_b.insert(h->string);
    for (const char* aside :
         {"request-id", "user-agent", "content-length", "connection", "transfer-encoding"}) {
      names_a.erase(aside);
      names_b.erase(aside);
    }
    EXPECT_EQ(names_a, names_b);
    // The token: the same resource and policy; its expiry and signature are each side's own.
    auto ta = token_fields(a.header("authorization"));
    auto tb = token_fields(b.header("authorization"));
    EXPECT_EQ(ta["sr"], ours.hub().host());  // each its own server's host, port and all
    EXPECT_EQ(tb["sr"], sdk_hub.host());
    EXPECT_EQ(ta["skn"], tb["skn"]);
    EXPECT_EQ(ta.size(), 4u);
    EXPECT_EQ(tb.size(), 4u);
    // The body, member order aside.
    const std::string body_a = a.text("body");
    const std::string body_b = b.text("body");
    if (body_a.empty() || body_b.empty()) {
      EXPECT_EQ(body_a, body_b);
    } else {
      cJSON* ja = cJSON_Parse(body_a.c_str());
      cJSON* jb = cJSON_Parse(body_b.c_str());
      // The SDK writes startTime with milliseconds; so does door-scheduler: compared as text.
      EXPECT_TRUE(cJSON_Compare(ja, jb, true)) << body_a << "\n" << body_b;
      cJSON_Delete(ja);
      cJSON_Delete(jb);
    }
  }
}

}  // namespace
}  // namespace door::test
