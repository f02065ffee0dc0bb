#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/socketmap.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace mtasts::core {

namespace {

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

bool is_ipv4_literal(std::string_view text)
{
  int dots = 0;
  std::size_t digits = 0;
  for (const char c : text) {
    if (c == '.') {
      if (digits == 0) {
        return false;
      }
      ++dots;
      digits = 0;
    } else if (is_digit(c) && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

// RFC 1035 §2.3.1 with digits allowed first (RFC 1123 §2.1), "_" refused, labels 1..63.
bool is_host_name(std::string_view name)
{
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t label = 0;
  char previous = '.';
  for (const char c : name) {
    if (c == '.') {
      if (label == 0 || previous == '-') {
        return false;
      }
      label = 0;
    } else {
      const bool alnum = is_digit(c) || (c >= 'a' && c <= 'z');
      if (!(alnum || (c == '-' && label > 0)) || ++label > 63) {
        return false;
      }
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

} // namespace

NetstringParse parse_netstring(std::string_view buffer, std::size_t max_payload)
{
  using Status = NetstringParse::Status;
  NetstringParse result;
  auto fail = [&](std::size_t offset, std::string what) {
    result.status = Status::invalid;
    result.error = fmt::format("byte {}: {}", offset, what);
    return result;
  };
  std::size_t length = 0;
  std::size_t position = 0;
  for (; position < buffer.size() && buffer[position] != ':'; ++position) {
    const char c = buffer[position];
    if (!is_digit(c)) {
      return fail(position, fmt::format("expected a digit or ':' in the length, got 0x{:02x}",
                                        static_cast<unsigned char>(c)));
    }
    if (position == 1 && buffer[0] == '0') {
      return fail(position, "length has a leading zero");
    }
    length = length * 10 + static_cast<std::size_t>(c - '0');
    if (length > max_payload) {
      return fail(0, fmt::format("length over the limit of {} bytes", max_payload));
    }
  }
  if (position == buffer.size()) {
    return result; // still reading the length
  }
  if (position == 0) {
    return fail(0, "expected a length before ':'");
  }
  const std::size_t start = position + 1;
  if (buffer.size() < start + length + 1) {
    return result;
  }
  if (buffer[start + length] != ',') {
    return fail(start + length, fmt::format("expected ',' after {} bytes of payload", length));
  }
  result.status = Status::complete;
  result.payload = buffer.substr(start, length);
  result.consumed = start + length + 1;
  return result;
}

void append_netstring(std::string& out, std::string_view payload)
{
  char digits[24];
  const auto [end, error] = std::to_chars(std::begin(digits), std::end(digits), payload.size());
  (void)error;
  out.append(digits, end);
  out.push_back(':');
  out.append(payload);
  out.push_back(',');
}

bool parse_socketmap_request(std::string_view payload, SocketmapRequest& request)
{
  const auto space = payload.find(' ');
  if (space == 0 || space == std::string_view::npos || space + 1 == payload.size()) {
    return false;
  }
  request.name = payload.substr(0, space);
  request.key = payload.substr(space + 1);
  return true;
}

PolicyKey classify_policy_key(std::string_view key)
{
  PolicyKey result;
  if (key.starts_with('[')) {
    const auto close = key.find(']');
    if (close == std::string_view::npos) {
      return result;
    }
    const auto rest = key.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || rest.size() == 1 ||
                          !std::all_of(rest.begin() + 1, rest.end(), is_digit))) {
      return result;
    }
    key = key.substr(1, close - 1);
    if (key.find(':') != std::string_view::npos || is_ipv4_literal(key)) {
      result.kind = PolicyKeyKind::address_literal; // IPv6 or "ipv6:" tagged, or IPv4
      return result;
    }
  } else if (is_ipv4_literal(key) || key.find(':') != std::string_view::npos) {
    result.kind = PolicyKeyKind::address_literal; // an unbracketed IPv4 or IPv6 address
    return result;
  }
  if (key.starts_with('.')) {
    result.kind = PolicyKeyKind::parent_domain;
    return result;
  }
  if (key.ends_with('.')) {
    key.remove_suffix(1);
  }
  const bool ascii = std::all_of(key.begin(), key.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string name;
  if (ascii) {
    name.resize(key.size());
    std::transform(key.begin(), key.end(), name.begin(), [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
  } else {
    auto normalized = normalize_host(key);
    if (!normalized) {
      return result;
    }
    name = std::move(*normalized);
  }
  if (!is_host_name(name)) {
    return result;
  }
  result.kind = PolicyKeyKind::domain;
  result.domain = std::move(name);
  return result;
}

namespace {

std::string_view reply_word(AnswerKind kind)
{
  switch (kind) {
  case AnswerKind::ok:
    return "OK ";
  case AnswerKind::temp:
    return "TEMP ";
  case AnswerKind::notfound:
    break;
  }
  return "NOTFOUND ";
}

constexpr std::string_view k_reply_too_large = "TEMP policy answer too large";

} // namespace

std::string socketmap_reply(const Answer& answer)
{
  const auto word = reply_word(answer.kind);
  if (answer.kind == AnswerKind::notfound) {
    return std::string(word);
  }
  if (word.size() + answer.data.size() > k_socketmap_reply_limit) {
    return std::string(k_reply_too_large);
  }
  std::string reply;
  reply.reserve(word.size() + answer.data.size());
  reply.append(word).append(answer.data);
  return reply;
}

void append_socketmap_reply(std::string& out, const Answer& answer)
{
  const auto word = reply_word(answer.kind);
  const std::string_view data =
      answer.kind == AnswerKind::notfound ? std::string_view() : std::string_view(answer.data);
  if (word.size() + data.size() > k_socketmap_reply_limit) {
    append_netstring(out, k_reply_too_large);
    return;
  }
  out += std::to_string(word.size() + data.size());
  out += ':';
  out.append(word).append(data);
  out += ',';
}

Answer non_domain_answer(PolicyKeyKind kind)
{
  switch (kind) {
  case PolicyKeyKind::parent_domain:
    return {AnswerKind::notfound, {}, "parent-domain"};
  case PolicyKeyKind::address_literal:
    return {AnswerKind::notfound, {}, "address-literal"};
  case PolicyKeyKind::domain:
  case PolicyKeyKind::invalid:
    break;
  }
  return {AnswerKind::notfound, {}, "invalid-key"};
}

} // namespace mtasts::core
