#include <mtasts/store/store_url.hpp>
#include <mtasts/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace mtasts::store {

namespace {

using util::Unexpected;
using Result = util::Expected<StoreLocation, std::string>;

constexpr std::string_view k_schemes = "memory:, sqlite://, redis:// or redis+unix://";
constexpr std::uint64_t k_max_db = static_cast<std::uint64_t>(std::numeric_limits<int>::max());

Unexpected<std::string> url_error(std::string_view what)
{
  return Unexpected(fmt::format("store URL: {}", what));
}

std::optional<int> hex_value(char c)
{
  if (util::is_ascii_digit(c)) {
    return c - '0';
  }
  const char lower = util::to_ascii_lower(c);
  if (lower >= 'a' && lower <= 'f') {
    return lower - 'a' + 10;
  }
  return std::nullopt;
}

// RFC 3986 §2.1 percent-decoding; nullopt on a '%' not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text)
{
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const auto high = hex_value(text[i + 1]);
    const auto low = hex_value(text[i + 2]);
    if (!high || !low) {
      return std::nullopt;
    }
    decoded.push_back(static_cast<char>(*high * 16 + *low));
    i += 2;
  }
  return decoded;
}

// A path after "//": percent-decoded, without '?', '#' or NUL.
util::Expected<std::string, std::string> decode_path(std::string_view raw, std::string_view what)
{
  if (raw.find_first_of("?#") != std::string_view::npos) {
    return url_error(fmt::format("{} must not contain '?' or '#' (percent-encode them)", what));
  }
  auto decoded = percent_decode(raw);
  if (!decoded) {
    return url_error(fmt::format("bad percent-encoding in {}", what));
  }
  if (decoded->find('\0') != std::string::npos) {
    return url_error(fmt::format("{} contains a NUL byte", what));
  }
  if (decoded->empty()) {
    return url_error(fmt::format("{} is empty", what));
  }
  return std::move(*decoded);
}

util::Expected<int, std::string> parse_db(std::string_view text)
{
  const auto number = util::parse_decimal(text, 10);
  if (!number || *number > k_max_db) {
    return url_error(fmt::format("redis database '{}' is not a number in 0..{}",
                                 util::printable(text), k_max_db));
  }
  return static_cast<int>(*number);
}

struct Parameter
{
  std::string_view key;
  std::string_view raw_value;
};

// Splits "k=v&k2=v2"; every piece needs a '='; a key may appear once.
util::Expected<std::vector<Parameter>, std::string> split_query(std::string_view query)
{
  std::vector<Parameter> parameters;
  if (query.empty()) {
    return parameters;
  }
  for (const std::string_view piece : util::split(query, '&')) {
    const auto equals = piece.find('=');
    if (equals == std::string_view::npos) {
      return url_error(fmt::format("parameter '{}' has no value", util::printable(piece)));
    }
    const Parameter parameter{piece.substr(0, equals), piece.substr(equals + 1)};
    for (const Parameter& seen : parameters) {
      if (seen.key == parameter.key) {
        return url_error(fmt::format("parameter '{}' given twice", util::printable(parameter.key)));
      }
    }
    parameters.push_back(parameter);
  }
  return parameters;
}

// Applies the query of a redis or redis+unix URL; `db` is accepted only for redis+unix (TCP
// URLs carry it in the path).
util::Expected<bool, std::string> apply_redis_query(std::string_view query, bool allow_db,
                                                    RedisLocation& location)
{
  TRY_ASSIGN(parameters, split_query(query));
  for (const Parameter& parameter : parameters) {
    if (parameter.key == "prefix") {
      auto prefix = percent_decode(parameter.raw_value);
      if (!prefix) {
        return url_error("bad percent-encoding in parameter 'prefix'");
      }
      location.prefix = std::move(*prefix);
    } else if (parameter.key == "db" && allow_db) {
      TRY_ASSIGN(db, parse_db(parameter.raw_value));
      location.db = db;
    } else {
      return url_error(fmt::format("unknown parameter '{}' ({})", util::printable(parameter.key),
                                   allow_db ? "redis+unix takes db and prefix"
                                            : "redis takes prefix; the database is the path"));
    }
  }
  return true;
}

bool is_host_name_char(char c)
{
  return util::is_ascii_alnum(c) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c)
{
  return hex_value(c).has_value() || c == ':' || c == '.';
}

// Splits off "?query"; rejects a fragment.
util::Expected<std::pair<std::string_view, std::string_view>, std::string>
split_off_query(std::string_view rest)
{
  if (rest.find('#') != std::string_view::npos) {
    return url_error("fragments ('#') are not supported");
  }
  const auto question = rest.find('?');
  if (question == std::string_view::npos) {
    return std::pair{rest, std::string_view{}};
  }
  return std::pair{rest.substr(0, question), rest.substr(question + 1)};
}

Result parse_sqlite(std::string_view rest)
{
  if (!rest.starts_with("//")) {
    return url_error(
        "sqlite needs '//' after the scheme (sqlite:///absolute/path or sqlite://relative/path)");
  }
  TRY_ASSIGN(path, decode_path(rest.substr(2), "sqlite path"));
  return StoreLocation{SqliteLocation{std::move(path)}};
}

util::Expected<bool, std::string> parse_authority(std::string_view authority,
                                                  RedisLocation& location)
{
  if (authority.find('@') != std::string_view::npos) {
    return url_error("redis user information (user:password@) is not supported");
  }
  std::string_view host;
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return url_error("redis host has '[' without ']'");
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        return url_error(
            fmt::format("unexpected '{}' after the redis host", util::printable(after)));
      }
      port = after.substr(1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char)) {
      return url_error(
          fmt::format("redis host '[{}]' is not an IPv6 address", util::printable(host)));
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
    }
    if (host.empty()) {
      return url_error("redis host is empty");
    }
    if (!std::all_of(host.begin(), host.end(), is_host_name_char)) {
      return url_error(fmt::format("redis host '{}' has characters other than letters, digits, "
                                   "'-', '.' and '_'",
                                   util::printable(host)));
    }
  }
  location.host = std::string(host);
  if (port) {
    const auto number = util::parse_decimal(*port, 5);
    if (!number || *number == 0 || *number > std::numeric_limits<std::uint16_t>::max()) {
      return url_error(
          fmt::format("redis port '{}' is not a number in 1..65535", util::printable(*port)));
    }
    location.port = static_cast<std::uint16_t>(*number);
  }
  return true;
}

Result parse_redis_tcp(std::string_view rest)
{
  if (!rest.starts_with("//")) {
    return url_error("redis needs '//' after the scheme (redis://HOST[:PORT][/DB])");
  }
  TRY_ASSIGN(parts, split_off_query(rest.substr(2)));
  const auto [before_query, query] = parts;
  const auto slash = before_query.find('/');
  RedisLocation location;
  if (auto authority = parse_authority(before_query.substr(0, slash), location); !authority) {
    return Unexpected(std::move(authority).error());
  }
  if (slash != std::string_view::npos && slash + 1 < before_query.size()) {
    TRY_ASSIGN(db, parse_db(before_query.substr(slash + 1)));
    location.db = db;
  }
  if (auto query_applied = apply_redis_query(query, false, location); !query_applied) {
    return Unexpected(std::move(query_applied).error());
  }
  return StoreLocation{std::move(location)};
}

Result parse_redis_unix(std::string_view rest)
{
  if (!rest.starts_with("//")) {
    return url_error("redis+unix needs '//' after the scheme (redis+unix:///path/redis.sock)");
  }
  TRY_ASSIGN(parts, split_off_query(rest.substr(2)));
  const auto [path_part, query] = parts;
  if (!path_part.starts_with('/')) {
    return url_error("redis+unix takes no host, only an absolute socket path "
                     "(redis+unix:///path/redis.sock)");
  }
  RedisLocation location;
  TRY_ASSIGN(path, decode_path(path_part, "redis+unix socket path"));
  location.socket_path = std::move(path);
  if (auto query_applied = apply_redis_query(query, true, location); !query_applied) {
    return Unexpected(std::move(query_applied).error());
  }
  return StoreLocation{std::move(location)};
}

} // namespace

std::string RedisLocation::endpoint() const
{
  if (is_unix()) {
    return socket_path;
  }
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

Result parse_store_url(std::string_view url)
{
  if (url.empty()) {
    return url_error("empty");
  }
  const auto colon = url.find(':');
  const std::string_view raw_scheme = url.substr(0, colon);
  const bool scheme_ok = colon != std::string_view::npos && !raw_scheme.empty() &&
                         util::is_ascii_alpha(raw_scheme.front()) &&
                         std::all_of(raw_scheme.begin(), raw_scheme.end(), [](char c) {
                           return util::is_ascii_alnum(c) || c == '+' || c == '-' || c == '.';
                         });
  if (!scheme_ok) {
    return url_error(fmt::format("missing scheme ({})", k_schemes));
  }
  const std::string scheme = util::to_ascii_lower(raw_scheme);
  const std::string_view rest = url.substr(colon + 1);
  if (scheme == "memory") {
    if (!rest.empty()) {
      return url_error("memory: takes nothing after the colon");
    }
    return StoreLocation{MemoryLocation{}};
  }
  if (scheme == "sqlite") {
    return parse_sqlite(rest);
  }
  if (scheme == "redis") {
    return parse_redis_tcp(rest);
  }
  if (scheme == "redis+unix") {
    return parse_redis_unix(rest);
  }
  return url_error(fmt::format("unknown scheme '{}' ({})", util::printable(raw_scheme), k_schemes));
}

} // namespace mtasts::store
