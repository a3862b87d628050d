// door-scheduler devices: the fleet as the broker's retained documents show it.
#include <cstdio>

#include "cli.hpp"
#include "device_output.hpp"
#include "scheduler/fleet.hpp"
#include "scheduler/query.hpp"

namespace door::scheduler::cli {

namespace {

int list_devices(const Fleet& fleet, const Query* query, bool json) {
  cJSON* array = cJSON_CreateArray();
  if (!json) {
    print_device_header();
  }
  for (const auto& [id, device] : fleet.devices()) {
    if (query != nullptr && !query->matches(device.view())) continue;
    if (json) {
      cJSON_AddItemToArray(array, device_json(id, device.online(), device.status.get(),
                                              device.reported.get(), device.desired.get()));
    } else {
      print_device_row(id, device.online(), device.reported.get(), device.desired.get());
    }
  }
  if (json) {
    char* printed = cJSON_Print(array);
    std::printf("%s\n", printed);
    cJSON_free(printed);
  }
  cJSON_Delete(array);
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
  Query query;
  bool has_query = false;
  bool json = false;
  for (; ctx.next < ctx.args.size(); ++ctx.next) {
    const std::string& a = ctx.args[ctx.next];
    std::string v;
    if (a == "--json") {
      json = true;
    } else if (a == "--query") {
      std::string error;
      if (!option_value(ctx, a, v)) return kUsage;
      if (!query.parse(v, error)) return usage_error(error);
      has_query = true;
    } else {
      return usage_error("unknown option " + a + " for devices");
    }
  }
  BrokerClient client(ctx.broker);
  Fleet fleet;
  std::string error;
  if (!client.connect(error) || !fleet.load(client, error)) return runtime_error(error);
  return list_devices(fleet, has_query ? &query : nullptr, json);
}

}  // namespace door::scheduler::cli
