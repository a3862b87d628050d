#include "agent/dialect.hpp"

#include "azure_dialect.hpp"
#include "broker_dialect.hpp"

namespace door::agent {

std::unique_ptr<Dialect> make_dialect(const ConnectionSettings& settings) {
  if (settings.hub == HubDialect::azure) return std::make_unique<AzureDialect>(settings);
  return std::make_unique<BrokerDialect>(settings);
}

}  // namespace door::agent
