#include <mtasts/store/memory_store.hpp>
#include <mtasts/store/policy_store.hpp>
#include <mtasts/store/redis_store.hpp>
#include <mtasts/store/sqlite_store.hpp>
#include <mtasts/store/store_url.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <set>
#include <variant>

namespace mtasts::store {

std::string observation_set_error(std::string_view domain,
                                  const std::vector<ObservationRecord>& records)
{
  std::set<std::string_view> hosts;
  for (const ObservationRecord& record : records) {
    if (record.domain != domain) {
      return fmt::format("observation of {} given for {}: a record of another domain",
                         util::printable(record.domain), util::printable(domain));
    }
    if (!hosts.insert(record.mx_host).second) {
      return fmt::format("observations of {}: MX host {} twice", util::printable(domain),
                         util::printable(record.mx_host));
    }
  }
  return {};
}

util::Expected<std::unique_ptr<PolicyStore>, std::string>
open_policy_store(std::string_view url, std::chrono::milliseconds timeout)
{
  TRY_ASSIGN(location, parse_store_url(url));
  if (std::holds_alternative<SqliteLocation>(location)) {
    return open_sqlite_store(std::get<SqliteLocation>(location).path, timeout);
  }
  if (std::holds_alternative<RedisLocation>(location)) {
    return open_redis_store(std::get<RedisLocation>(location), timeout);
  }
  return make_memory_store();
}

} // namespace mtasts::store
