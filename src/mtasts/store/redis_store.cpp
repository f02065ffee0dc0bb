#include <mtasts/store/redis_handles.hpp>
#include <mtasts/store/redis_store.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mtasts::store {

namespace {

using std::chrono::sys_seconds;
using util::Unexpected;

using Command = std::vector<std::string_view>;

constexpr std::string_view k_key_infix = "policy:";
constexpr std::string_view k_observations_infix = "observations:";
// An observation set is one hash: "count" and, for record i, "<i>:<field>" for each field.
constexpr std::array<std::string_view, 7> k_observation_fields{
    "mx_host", "policy_id", "address", "outcome", "result_type", "detail", "observed_at"};
constexpr std::string_view k_scan_count = "1000";
// "dane" was added later: a hash without it decodes as unknown coverage.
constexpr std::array<std::string_view, 5> k_fields{"id", "policy_text", "fetched_at", "expires_at",
                                                   "dane"};
constexpr std::size_t k_optional_field = 4;

// Blocks SIGPIPE on the calling thread for its lifetime and discards a SIGPIPE raised meanwhile
// (hiredis writes with write(2), which raises SIGPIPE when the server has gone away).
class SigpipeSwallowed
{
public:
  SigpipeSwallowed()
  {
    sigemptyset(&m_sigpipe);
    sigaddset(&m_sigpipe, SIGPIPE);
    m_was_pending = is_pending();
    pthread_sigmask(SIG_BLOCK, &m_sigpipe, &m_previous_mask);
  }
  ~SigpipeSwallowed()
  {
    if (!m_was_pending && is_pending()) {
      const timespec no_wait{};
      sigtimedwait(&m_sigpipe, nullptr, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &m_previous_mask, nullptr);
  }
  SigpipeSwallowed(const SigpipeSwallowed&) = delete;
  SigpipeSwallowed& operator=(const SigpipeSwallowed&) = delete;

private:
  static bool is_pending()
  {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
  }

  sigset_t m_sigpipe{};
  sigset_t m_previous_mask{};
  bool m_was_pending = false;
};

timeval to_timeval(std::chrono::milliseconds timeout)
{
  const auto milliseconds = std::max<std::chrono::milliseconds::rep>(timeout.count(), 1);
  timeval converted{};
  converted.tv_sec = static_cast<time_t>(milliseconds / 1000);
  converted.tv_usec = static_cast<suseconds_t>((milliseconds % 1000) * 1000);
  return converted;
}

std::string unix_seconds_text(sys_seconds time)
{
  return fmt::format("{}", time.time_since_epoch().count());
}

std::string reply_text(const redisReply& reply)
{
  if (reply.str == nullptr) {
    return std::string();
  }
  return std::string(reply.str, reply.len);
}

std::string connection_error(const redisContext& context)
{
  if (context.err == 0) {
    return "no reply";
  }
  // hiredis reports an expired SO_RCVTIMEO / SO_SNDTIMEO as the text of EAGAIN.
  if (context.err == REDIS_ERR_IO && std::string_view(context.errstr) == std::strerror(EAGAIN)) {
    return fmt::format("timed out ({})", context.errstr);
  }
  return context.errstr;
}

// Sends `commands` in one round trip and reads every reply (error replies included, so the
// connection stays in step). An error only when the connection failed.
util::Expected<std::vector<RedisReplyPtr>, std::string>
pipeline(redisContext& context, const std::vector<Command>& commands)
{
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  for (const Command& command : commands) {
    pointers.clear();
    lengths.clear();
    for (const std::string_view argument : command) {
      pointers.push_back(argument.empty() ? "" : argument.data());
      lengths.push_back(argument.size());
    }
    if (redisAppendCommandArgv(&context, static_cast<int>(command.size()), pointers.data(),
                               lengths.data()) != REDIS_OK) {
      return Unexpected(connection_error(context));
    }
  }
  std::vector<RedisReplyPtr> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    const int rc = redisGetReply(&context, &raw);
    RedisReplyPtr reply(static_cast<redisReply*>(raw));
    if (rc != REDIS_OK || !reply) {
      return Unexpected(connection_error(context));
    }
    replies.push_back(std::move(reply));
  }
  return replies;
}

// One command; an error reply is an error (the connection is still usable then).
util::Expected<RedisReplyPtr, std::string> run_command(redisContext& context, Command command)
{
  TRY_ASSIGN(replies, pipeline(context, {std::move(command)}));
  RedisReplyPtr reply = std::move(replies.front());
  if (reply->type == REDIS_REPLY_ERROR) {
    return Unexpected(reply_text(*reply));
  }
  return reply;
}

util::Expected<std::int64_t, std::string> integer_reply(const redisReply& reply,
                                                        std::string_view command)
{
  if (reply.type != REDIS_REPLY_INTEGER) {
    return Unexpected(fmt::format("unexpected reply to {}", command));
  }
  return static_cast<std::int64_t>(reply.integer);
}

// One SCAN page: the next cursor and the keys.
struct ScanPage
{
  std::string next_cursor;
  std::vector<std::string> keys;
};

util::Expected<ScanPage, std::string> scan_page(const redisReply& reply)
{
  const auto malformed = [] { return Unexpected(std::string("unexpected reply to SCAN")); };
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 2 ||
      reply.element[0]->type != REDIS_REPLY_STRING || reply.element[1]->type != REDIS_REPLY_ARRAY) {
    return malformed();
  }
  ScanPage page;
  page.next_cursor = reply_text(*reply.element[0]);
  const redisReply& keys = *reply.element[1];
  for (std::size_t i = 0; i < keys.elements; ++i) {
    if (keys.element[i]->type != REDIS_REPLY_STRING) {
      return malformed();
    }
    page.keys.push_back(reply_text(*keys.element[i]));
  }
  return page;
}

// SCAN's MATCH is a glob: escape the prefix, then match everything after it.
std::string glob_for_keys_under(std::string_view key_prefix)
{
  std::string pattern;
  for (const char c : key_prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      pattern.push_back('\\');
    }
    pattern.push_back(c);
  }
  pattern.push_back('*');
  return pattern;
}

std::optional<sys_seconds> parse_unix_seconds(std::string_view text)
{
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) {
    return std::nullopt;
  }
  return sys_seconds{std::chrono::seconds{static_cast<std::chrono::seconds::rep>(value)}};
}

// Decodes the reply to HMGET key id policy_text fetched_at expires_at: nullopt when the key does
// not exist (every field nil), an error when the hash is incomplete or malformed.
util::Expected<std::optional<PolicyRecord>, std::string> decode_record(const redisReply& reply,
                                                                       std::string domain)
{
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != k_fields.size()) {
    return Unexpected(std::string("unexpected reply to HMGET"));
  }
  const auto is_nil = [](const redisReply* field) { return field->type == REDIS_REPLY_NIL; };
  if (std::all_of(reply.element, reply.element + reply.elements, is_nil)) {
    return std::optional<PolicyRecord>{};
  }
  std::array<std::string, k_fields.size()> values;
  for (std::size_t i = 0; i < k_fields.size(); ++i) {
    if (i == k_optional_field && reply.element[i]->type == REDIS_REPLY_NIL) {
      continue;
    }
    if (reply.element[i]->type != REDIS_REPLY_STRING) {
      return Unexpected(fmt::format("corrupt record: field '{}' is missing", k_fields[i]));
    }
    values[i] = reply_text(*reply.element[i]);
  }
  const auto fetched_at = parse_unix_seconds(values[2]);
  const auto expires_at = parse_unix_seconds(values[3]);
  if (!fetched_at || !expires_at) {
    const std::size_t bad = fetched_at ? 3 : 2;
    return Unexpected(fmt::format("corrupt record: field '{}' is not an integer ('{}')",
                                  k_fields[bad], util::printable(values[bad])));
  }
  return std::optional<PolicyRecord>{PolicyRecord{std::move(domain), std::move(values[0]),
                                                  std::move(values[1]), *fetched_at, *expires_at,
                                                  std::move(values[4])}};
}

// Decodes an HGETALL reply of an observation set of `domain` (empty when the key does not
// exist); an error when the hash is incomplete or malformed.
util::Expected<std::vector<ObservationRecord>, std::string>
decode_observations(const redisReply& reply, std::string_view domain)
{
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements % 2 != 0) {
    return Unexpected(std::string("unexpected reply to HGETALL"));
  }
  std::unordered_map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < reply.elements; i += 2) {
    if (reply.element[i]->type != REDIS_REPLY_STRING ||
        reply.element[i + 1]->type != REDIS_REPLY_STRING) {
      return Unexpected(std::string("unexpected reply to HGETALL"));
    }
    fields.emplace(reply_text(*reply.element[i]), reply_text(*reply.element[i + 1]));
  }
  std::vector<ObservationRecord> records;
  if (fields.empty()) {
    return records;
  }
  std::size_t count = 0;
  const auto count_field = fields.find("count");
  const std::string_view count_text =
      count_field == fields.end() ? std::string_view() : std::string_view(count_field->second);
  const auto [stop, error] =
      std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
  if (count_text.empty() || error != std::errc() || stop != count_text.data() + count_text.size() ||
      count > fields.size()) {
    return Unexpected(std::string("corrupt observations: field 'count' is missing or wrong"));
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::array<std::string, k_observation_fields.size()> values;
    for (std::size_t f = 0; f < k_observation_fields.size(); ++f) {
      const auto found = fields.find(fmt::format("{}:{}", i, k_observation_fields[f]));
      if (found == fields.end()) {
        return Unexpected(fmt::format("corrupt observations: field '{}:{}' is missing", i,
                                      k_observation_fields[f]));
      }
      values[f] = std::move(found->second);
    }
    const auto observed_at = parse_unix_seconds(values[6]);
    if (!observed_at) {
      return Unexpected(fmt::format("corrupt observations: field '{}:observed_at' is not an "
                                    "integer ('{}')",
                                    i, util::printable(values[6])));
    }
    records.push_back(ObservationRecord{
        std::string(domain), std::move(values[0]), std::move(values[1]), std::move(values[2]),
        std::move(values[3]), std::move(values[4]), std::move(values[5]), *observed_at});
  }
  return records;
}

// True when the reply to HGET <policy key> expires_at names a time after `now`.
bool policy_live(const redisReply& reply, sys_seconds now)
{
  if (reply.type != REDIS_REPLY_STRING) {
    return false;
  }
  const auto expires_at = parse_unix_seconds(reply_text(reply));
  return expires_at && *expires_at > now;
}

util::Expected<RedisContextPtr, std::string> connect(const RedisLocation& location,
                                                     std::chrono::milliseconds timeout)
{
  const timeval limit = to_timeval(timeout);
  RedisContextPtr context(
      location.is_unix() ? redisConnectUnixWithTimeout(location.socket_path.c_str(), limit)
                         : redisConnectWithTimeout(location.host.c_str(), location.port, limit));
  if (!context) {
    return Unexpected(std::string("connect: cannot allocate a hiredis context"));
  }
  if (context->err != 0) {
    return Unexpected(fmt::format("connect: {}", context->errstr));
  }
  if (redisSetTimeout(context.get(), limit) != REDIS_OK) {
    return Unexpected(fmt::format("connect: set timeout: {}", connection_error(*context)));
  }
  const SigpipeSwallowed sigpipe_swallowed;
  const std::string db = fmt::format("{}", location.db);
  auto selected = run_command(*context, {"SELECT", db});
  if (!selected) {
    return Unexpected(fmt::format("connect: SELECT {}: {}", db, selected.error()));
  }
  auto pong = run_command(*context, {"PING"});
  if (!pong) {
    return Unexpected(fmt::format("connect: PING: {}", pong.error()));
  }
  if ((*pong)->type != REDIS_REPLY_STATUS || reply_text(**pong) != "PONG") {
    return Unexpected(std::string("connect: PING: the answer is not PONG"));
  }
  return context;
}

class RedisStore final : public PolicyStore
{
public:
  RedisStore(RedisLocation location, std::chrono::milliseconds timeout, RedisContextPtr context)
      : m_location(std::move(location)), m_timeout(timeout), m_context(std::move(context)),
        m_key_prefix(m_location.prefix + std::string(k_key_infix)),
        m_observations_prefix(m_location.prefix + std::string(k_observations_infix))
  {}

  util::Expected<std::optional<PolicyRecord>, std::string> load(std::string_view domain,
                                                                sys_seconds now) override
  {
    const std::string key = key_for(domain);
    return run(
        fmt::format("load {}", util::printable(domain)),
        [&](redisContext& context) -> util::Expected<std::optional<PolicyRecord>, std::string> {
          TRY_ASSIGN(reply, run_command(context, {"HMGET", key, k_fields[0], k_fields[1],
                                                  k_fields[2], k_fields[3], k_fields[4]}));
          TRY_ASSIGN(record, decode_record(*reply, std::string(domain)));
          if (record && record->expires_at <= now) {
            return std::optional<PolicyRecord>{};
          }
          return record;
        });
  }

  util::Expected<bool, std::string> save(const PolicyRecord& record) override
  {
    const std::string key = key_for(record.domain);
    const std::string observations = observations_key_for(record.domain);
    const std::string fetched_at = unix_seconds_text(record.fetched_at);
    const std::string expires_at = unix_seconds_text(record.expires_at);
    // The observation set (if any) lives exactly as long as the policy.
    const std::vector<Command> transaction{{"MULTI"},
                                           {"DEL", key},
                                           {"HSET", key, k_fields[0], record.id, k_fields[1],
                                            record.policy_text, k_fields[2], fetched_at,
                                            k_fields[3], expires_at, k_fields[4], record.dane},
                                           {"EXPIREAT", key, expires_at},
                                           {"EXPIREAT", observations, expires_at},
                                           {"EXEC"}};
    return run(fmt::format("save {}", util::printable(record.domain)),
               [&](redisContext& context) { return run_transaction(context, transaction); });
  }

  util::Expected<bool, std::string> erase(std::string_view domain) override
  {
    const std::string key = key_for(domain);
    const std::string observations = observations_key_for(domain);
    return run(fmt::format("erase {}", util::printable(domain)),
               [&](redisContext& context) -> util::Expected<bool, std::string> {
                 TRY_ASSIGN(replies, pipeline(context, {{"DEL", key}, {"DEL", observations}}));
                 TRY_ASSIGN(removed, integer_reply(*replies.front(), "DEL"));
                 TRY_ASSIGN(dropped, integer_reply(*replies.back(), "DEL"));
                 (void)dropped;
                 return removed > 0;
               });
  }

  util::Expected<std::size_t, std::string> erase_all() override
  {
    const std::string policies = glob_for_keys_under(m_key_prefix);
    const std::string observations = glob_for_keys_under(m_observations_prefix);
    return run("erase all", [&](redisContext& context) -> util::Expected<std::size_t, std::string> {
      TRY_ASSIGN(removed, delete_matching(context, policies));
      TRY_ASSIGN(dropped, delete_matching(context, observations));
      (void)dropped;
      return removed;
    });
  }

  util::Expected<std::vector<PolicyRecord>, std::string> load_all(sys_seconds now,
                                                                  std::size_t limit) override
  {
    const std::string pattern = glob_for_keys_under(m_key_prefix);
    return run(
        "load all",
        [&](redisContext& context) -> util::Expected<std::vector<PolicyRecord>, std::string> {
          std::vector<PolicyRecord> records;
          std::unordered_set<std::string> seen; // SCAN may return a key twice
          std::string cursor = "0";
          while (records.size() < limit) {
            TRY_ASSIGN(reply, run_command(context, {"SCAN", cursor, "MATCH", pattern, "COUNT",
                                                    k_scan_count}));
            TRY_ASSIGN(page, scan_page(*reply));
            TRY_ASSIGN(found, load_keys(context, page.keys, seen, now));
            for (PolicyRecord& record : found) {
              if (records.size() < limit) {
                records.push_back(std::move(record));
              }
            }
            cursor = std::move(page.next_cursor);
            if (cursor == "0") {
              break;
            }
          }
          return records;
        });
  }

  util::Expected<std::size_t, std::string> purge_expired(sys_seconds /*now*/) override
  {
    return std::size_t{0}; // the server expires every key at its expires_at (EXPIREAT)
  }

  util::Expected<bool, std::string>
  replace_observations(std::string_view domain,
                       const std::vector<ObservationRecord>& records) override
  {
    const std::string operation =
        fmt::format("replace observations of {}", util::printable(domain));
    if (auto error = observation_set_error(domain, records); !error.empty()) {
      return failure(operation, error);
    }
    const std::string key = key_for(domain);
    const std::string observations = observations_key_for(domain);
    // The field names and values the HSET below points into.
    std::vector<std::string> texts;
    texts.reserve(2 + records.size() * k_observation_fields.size() * 2);
    texts.push_back("count");
    texts.push_back(fmt::format("{}", records.size()));
    for (std::size_t i = 0; i < records.size(); ++i) {
      const ObservationRecord& r = records[i];
      const std::array<std::string, k_observation_fields.size()> values{
          r.mx_host,
          r.policy_id,
          r.address,
          r.outcome,
          r.result_type,
          r.detail,
          unix_seconds_text(r.observed_at)};
      for (std::size_t f = 0; f < values.size(); ++f) {
        texts.push_back(fmt::format("{}:{}", i, k_observation_fields[f]));
        texts.push_back(values[f]);
      }
    }
    return run(operation, [&](redisContext& context) -> util::Expected<bool, std::string> {
      // The set expires with the policy (save() moves both expiries together). A policy that
      // another fleet member replaces between the HGET and the EXEC keeps the new expiry for
      // its own key; the set then expires at the old one, and the next observation renews it.
      TRY_ASSIGN(expiry, run_command(context, {"HGET", key, k_fields[3]}));
      if (expiry->type != REDIS_REPLY_STRING) {
        return false;
      }
      const std::string expires_at = reply_text(*expiry);
      Command hset{"HSET", observations};
      hset.insert(hset.end(), texts.begin(), texts.end());
      std::vector<Command> transaction{{"MULTI"}, {"DEL", observations}};
      if (!records.empty()) {
        transaction.push_back(std::move(hset));
        transaction.push_back({"EXPIREAT", observations, expires_at});
      }
      transaction.push_back({"EXEC"});
      return run_transaction(context, transaction);
    });
  }

  util::Expected<std::vector<ObservationRecord>, std::string>
  load_observations(std::string_view domain, sys_seconds now) override
  {
    const std::string key = key_for(domain);
    const std::string observations = observations_key_for(domain);
    return run(
        fmt::format("load observations of {}", util::printable(domain)),
        [&](redisContext& context) -> util::Expected<std::vector<ObservationRecord>, std::string> {
          TRY_ASSIGN(replies,
                     pipeline(context, {{"HGET", key, k_fields[3]}, {"HGETALL", observations}}));
          for (const RedisReplyPtr& reply : replies) {
            if (reply->type == REDIS_REPLY_ERROR) {
              return Unexpected(reply_text(*reply));
            }
          }
          if (!policy_live(*replies.front(), now)) {
            return std::vector<ObservationRecord>{};
          }
          return decode_observations(*replies.back(), domain);
        });
  }

  util::Expected<std::vector<ObservationRecord>, std::string>
  load_all_observations(sys_seconds now, std::size_t limit) override
  {
    const std::string pattern = glob_for_keys_under(m_observations_prefix);
    return run(
        "load all observations",
        [&](redisContext& context) -> util::Expected<std::vector<ObservationRecord>, std::string> {
          std::vector<ObservationRecord> records;
          std::unordered_set<std::string> seen; // SCAN may return a key twice
          std::string cursor = "0";
          do {
            TRY_ASSIGN(reply, run_command(context, {"SCAN", cursor, "MATCH", pattern, "COUNT",
                                                    k_scan_count}));
            TRY_ASSIGN(page, scan_page(*reply));
            std::vector<const std::string*> keys; // into page.keys
            std::vector<std::string_view> domains;
            std::vector<std::string> policy_keys;
            for (const std::string& key : page.keys) {
              if (!key.starts_with(m_observations_prefix) || !seen.insert(key).second) {
                continue;
              }
              keys.push_back(&key);
              domains.push_back(std::string_view(key).substr(m_observations_prefix.size()));
              policy_keys.push_back(key_for(domains.back()));
            }
            std::vector<Command> commands; // views into page.keys and policy_keys
            for (std::size_t i = 0; i < keys.size(); ++i) {
              commands.push_back({"HGET", policy_keys[i], k_fields[3]});
              commands.push_back({"HGETALL", *keys[i]});
            }
            if (!commands.empty()) {
              TRY_ASSIGN(replies, pipeline(context, commands));
              for (std::size_t i = 0; i < domains.size(); ++i) {
                if (!policy_live(*replies[2 * i], now)) {
                  continue;
                }
                auto set = decode_observations(*replies[2 * i + 1], domains[i]);
                if (!set) {
                  continue; // corrupt: load_observations() reports it
                }
                if (records.size() + set->size() > limit) {
                  return records;
                }
                std::move(set->begin(), set->end(), std::back_inserter(records));
              }
            }
            cursor = std::move(page.next_cursor);
          } while (cursor != "0");
          return records;
        });
  }

  std::string_view kind() const override { return "redis"; }

private:
  std::string key_for(std::string_view domain) const { return m_key_prefix + std::string(domain); }
  std::string observations_key_for(std::string_view domain) const
  {
    return m_observations_prefix + std::string(domain);
  }

  // Runs MULTI ... EXEC (the first and last of `transaction`); an error when any command or
  // the transaction failed.
  static util::Expected<bool, std::string> run_transaction(redisContext& context,
                                                           const std::vector<Command>& transaction)
  {
    TRY_ASSIGN(replies, pipeline(context, transaction));
    for (const RedisReplyPtr& reply : replies) {
      if (reply->type == REDIS_REPLY_ERROR) {
        return Unexpected(reply_text(*reply));
      }
    }
    const redisReply& exec = *replies.back();
    if (exec.type != REDIS_REPLY_ARRAY || exec.elements != transaction.size() - 2) {
      return Unexpected(std::string("EXEC: the transaction was not executed"));
    }
    for (std::size_t i = 0; i < exec.elements; ++i) {
      if (exec.element[i]->type == REDIS_REPLY_ERROR) {
        return Unexpected(reply_text(*exec.element[i]));
      }
    }
    return true;
  }

  // Deletes every key matching the SCAN glob `pattern`; how many were deleted.
  static util::Expected<std::size_t, std::string> delete_matching(redisContext& context,
                                                                  const std::string& pattern)
  {
    std::size_t removed = 0;
    std::string cursor = "0";
    do {
      TRY_ASSIGN(reply,
                 run_command(context, {"SCAN", cursor, "MATCH", pattern, "COUNT", k_scan_count}));
      TRY_ASSIGN(page, scan_page(*reply));
      if (!page.keys.empty()) {
        Command del{"DEL"};
        del.insert(del.end(), page.keys.begin(), page.keys.end());
        TRY_ASSIGN(deleted_reply, run_command(context, std::move(del)));
        TRY_ASSIGN(deleted, integer_reply(*deleted_reply, "DEL"));
        removed += static_cast<std::size_t>(deleted);
      }
      cursor = std::move(page.next_cursor);
    } while (cursor != "0");
    return removed;
  }

  Unexpected<std::string> failure(std::string_view operation, std::string_view reason) const
  {
    return Unexpected(fmt::format("redis {}: {}: {}", m_location.endpoint(), operation, reason));
  }

  // The live records among `keys` not seen before (one pipelined HMGET per key); corrupt,
  // vanished and expired keys are skipped.
  util::Expected<std::vector<PolicyRecord>, std::string>
  load_keys(redisContext& context, const std::vector<std::string>& keys,
            std::unordered_set<std::string>& seen, sys_seconds now) const
  {
    std::vector<Command> commands;
    std::vector<std::string_view> domains;
    for (const std::string& key : keys) {
      if (!key.starts_with(m_key_prefix) || !seen.insert(key).second) {
        continue;
      }
      commands.push_back(
          {"HMGET", key, k_fields[0], k_fields[1], k_fields[2], k_fields[3], k_fields[4]});
      domains.push_back(std::string_view(key).substr(m_key_prefix.size()));
    }
    std::vector<PolicyRecord> records;
    if (commands.empty()) {
      return records;
    }
    TRY_ASSIGN(replies, pipeline(context, commands));
    for (std::size_t i = 0; i < replies.size(); ++i) {
      auto record = decode_record(*replies[i], std::string(domains[i]));
      if (record && record->has_value() && (*record)->expires_at > now) {
        records.push_back(std::move(**record));
      }
    }
    return records;
  }

  // Runs `operation` on a connected context. When it fails because the connection broke, the
  // context is dropped and the operation runs once more on a new connection.
  template <typename Operation>
  std::invoke_result_t<Operation&, redisContext&> run(std::string_view operation_name,
                                                      Operation&& operation)
  {
    using Result = std::invoke_result_t<Operation&, redisContext&>;
    for (int attempt = 0;; ++attempt) {
      if (!m_context || m_context->err != 0) {
        m_context.reset();
        auto connected = connect(m_location, m_timeout);
        if (!connected) {
          return failure(operation_name, connected.error());
        }
        m_context = std::move(connected).value();
      }
      Result result = [&] {
        const SigpipeSwallowed sigpipe_swallowed;
        return operation(*m_context);
      }();
      if (result.has_value()) {
        return result;
      }
      const bool connection_broken = m_context->err != 0;
      if (!connection_broken || attempt > 0) {
        return failure(operation_name, result.error());
      }
      m_context.reset();
    }
  }

  RedisLocation m_location;
  std::chrono::milliseconds m_timeout;
  RedisContextPtr m_context;         // null or broken: reconnect before the next command
  std::string m_key_prefix;          // <prefix>policy:
  std::string m_observations_prefix; // <prefix>observations:
};

} // namespace

util::Expected<std::unique_ptr<PolicyStore>, std::string>
open_redis_store(const RedisLocation& location, std::chrono::milliseconds timeout)
{
  auto context = connect(location, timeout);
  if (!context) {
    return Unexpected(fmt::format("redis {}: open: {}", location.endpoint(), context.error()));
  }
  return std::unique_ptr<PolicyStore>(
      std::make_unique<RedisStore>(location, timeout, std::move(context).value()));
}

} // namespace mtasts::store
