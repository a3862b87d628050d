// door-scheduler devices: the fleet as the broker's retained documents show it.
#include <cstdio>

#include "cli.hpp"
#include "device_output.hpp"
#include "port/clock.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/query.hpp"

namespace door::scheduler::cli {

namespace {

// When the device was last seen: now while its retained status says online; else when it went
// offline (disconnectedAt; a last will carries no time, so then when it last connected).
int64_t last_seen(const Device& device, int64_t now) {
  if (device.online()) return now;
  const int64_t gone =
      utc_seconds(cJSON_GetObjectItemCaseSensitive(device.status.get(), "disconnectedAt"));
  return gone >= 0
             ? gone
             : utc_seconds(cJSON_GetObjectItemCaseSensitive(device.status.get(), "connectedAt"));
}

int list_devices(const Fleet& fleet, const Query* query, bool json) {
  cJSON* array = cJSON_CreateArray();
  const int64_t now = port::wall_seconds();
  if (!json) {
    print_device_header();
  }
  int matched = 0;
  for (const auto& [id, device] : fleet.devices()) {
    if (query != nullptr && !query->matches(device.view())) continue;
    ++matched;
    const DeviceView view{id,
                          device.online(),
                          last_seen(device, now),
                          device.status.get(),
                          device.reported.get(),
                          device.desired.get()};
    if (json) {
      cJSON_AddItemToArray(array, device_json(view));
    } else {
      print_device_row(view, now);
    }
  }
  if (json) {
    char* printed = cJSON_Print(array);
    std::printf("%s\n", printed);
    cJSON_free(printed);
  }
  cJSON_Delete(array);
  if (matched == 0) warn_if_no_device(query != nullptr, "the broker");
  // Said, not hidden: a view without a document the device's others promise is incomplete.
  for (const std::string& id : fleet.incomplete()) {
    std::fprintf(stderr,
                 "incomplete view: devices/%s/twin/desired did not arrive (the device applied "
                 "$version %lld)\n",
                 printable(id).c_str(),
                 static_cast<long long>(fleet.devices().at(id).applied_version()));
  }
  return fleet.incomplete().empty() ? kOk : kError;
}

}  // namespace

int devices_command(Context& ctx) {
  DevicesOptions options;
  if (const int rc = parse_devices_options(ctx, options); rc != kOk) return rc;
  BrokerClient client(ctx.broker);
  Fleet fleet;
  std::string error;
  if (!client.connect(error) || !fleet.load(client, error)) return runtime_error(error);
  return list_devices(fleet, options.has_query ? &options.query : nullptr, options.json);
}

}  // namespace door::scheduler::cli
