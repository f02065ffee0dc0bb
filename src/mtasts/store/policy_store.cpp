#include <mtasts/store/memory_store.hpp>
#include <mtasts/store/policy_store.hpp>
#include <mtasts/store/redis_store.hpp>
#include <mtasts/store/sqlite_store.hpp>
#include <mtasts/store/store_url.hpp>

#include <variant>

namespace mtasts::store {

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
