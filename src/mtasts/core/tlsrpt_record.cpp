#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/util/host_port.hpp>
#include <mtasts/util/strings.hpp>

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace mtasts::core {

namespace {

constexpr TxtRecordKind k_tlsrpt_kind{
    .version = k_tlsrpt_version,
    .record_name = "a TLSRPT record",
    .owner = "_smtp._tls.<domain>",
    .example = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
    .absent = "the domain requests no TLS reports",
    .rfc = "RFC 8460 §3",
    .list_field = "rua",
};

constexpr std::size_t k_quote_length = 60;

bool is_hex_digit(char c)
{
  return util::is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// unreserved / gen-delims / sub-delims of RFC 3986 §2.
bool is_uri_char(char c)
{
  constexpr std::string_view k_other = "-._~:/?#[]@!$&'()*+,;=";
  return util::is_ascii_alnum(c) || k_other.find(c) != std::string_view::npos;
}

bool is_scheme_char(char c)
{
  return util::is_ascii_alnum(c) || c == '+' || c == '-' || c == '.';
}

// The first byte that RFC 3986 never allows raw, or the "%" of a malformed escape.
struct UriFlaw
{
  std::size_t offset = 0;
  bool bad_escape = false;
};

std::optional<UriFlaw> find_uri_flaw(std::string_view uri)
{
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%') {
      if (i + 2 >= uri.size() || !is_hex_digit(uri[i + 1]) || !is_hex_digit(uri[i + 2])) {
        return UriFlaw{i, true};
      }
    } else if (!is_uri_char(uri[i])) {
      return UriFlaw{i, false};
    }
  }
  return std::nullopt;
}

// addr-spec "local@domain" (RFC 5322 §3.4.1), loosely: a non-empty local part and a domain of
// non-empty labels, or a bracketed address literal. `address` is percent-decoded.
bool is_addr_spec(std::string_view address)
{
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return false;
  }
  const auto local = address.substr(0, at);
  const auto domain = address.substr(at + 1);
  if (std::ranges::any_of(local, [](char c) { return util::is_ctl(c) || c == ' '; })) {
    return false;
  }
  if (domain.front() == '[') {
    return domain.size() > 2 && domain.back() == ']';
  }
  for (const auto label : util::split(domain, '.')) {
    if (label.empty() || label.front() == '-' || label.back() == '-') {
      return false;
    }
    const auto label_char = [](char c) {
      return util::is_ascii_alnum(c) || c == '-' || static_cast<unsigned char>(c) >= 0x80;
    };
    if (!std::ranges::all_of(label, label_char)) {
      return false;
    }
  }
  return true;
}

class RuaChecker
{
public:
  RuaChecker(std::uint32_t record_number, Diagnostics& diagnostics)
      : m_record_number(record_number), m_diagnostics(diagnostics)
  {}

  // Checks the value of the first "rua=" field; returns its URIs when all are valid.
  std::optional<std::vector<std::string>> run(const TxtField& field);

private:
  bool check_uri(std::string_view uri, std::uint32_t column);
  bool fail(const CodeInfo& code, std::uint32_t column, std::string message)
  {
    add_txt_diagnostic(m_diagnostics, code, m_record_number, column, std::move(message));
    return false;
  }

  std::uint32_t m_record_number;
  Diagnostics& m_diagnostics;
};

std::optional<std::vector<std::string>> RuaChecker::run(const TxtField& field)
{
  const auto value = field.value;
  if (value.empty()) {
    fail(tlsrpt_record_code("rua-empty"), field.value_column,
         "'rua=' is empty; it needs at least one 'mailto:' or 'https:' URI (RFC 8460 §3)");
    return std::nullopt;
  }
  std::vector<std::string> uris;
  bool ok = true;
  std::size_t start = 0;
  while (true) {
    const auto comma = value.find(',', start);
    const bool last = comma == std::string_view::npos;
    const std::size_t piece_end = last ? value.size() : comma;
    std::size_t first = start;
    while (first < piece_end && util::is_wsp(value[first])) {
      ++first;
    }
    std::size_t stop = piece_end;
    while (stop > first && util::is_wsp(value[stop - 1])) {
      --stop;
    }
    if (first == stop) {
      const std::size_t at = !last ? comma : (start > 0 ? start - 1 : 0);
      ok = fail(tlsrpt_record_code("rua-invalid-uri"), advance_column(field.value_column, at),
                "empty URI: a ',' with no URI on one side");
    } else {
      const auto uri = value.substr(first, stop - first);
      if (check_uri(uri, advance_column(field.value_column, first))) {
        uris.emplace_back(uri);
      } else {
        ok = false;
      }
    }
    if (last) {
      break;
    }
    start = comma + 1;
  }
  if (!ok) {
    return std::nullopt;
  }
  return uris;
}

bool RuaChecker::check_uri(std::string_view uri, std::uint32_t column)
{
  const auto quoted = util::printable(uri, k_quote_length);
  const auto wsp = std::ranges::find_if(uri, util::is_wsp);
  if (wsp != uri.end()) {
    return fail(tlsrpt_record_code("rua-invalid-uri"),
                advance_column(column, static_cast<std::size_t>(wsp - uri.begin())),
                fmt::format("the URI '{}' contains whitespace; separate URIs with ',' and write a "
                            "space inside a URI as '%20'",
                            quoted));
  }
  std::size_t colon = 0;
  if (util::is_ascii_alpha(uri.front())) {
    std::size_t i = 1;
    while (i < uri.size() && is_scheme_char(uri[i])) {
      ++i;
    }
    if (i < uri.size() && uri[i] == ':') {
      colon = i;
    }
  }
  if (colon == 0) {
    std::string advice = "rua takes 'mailto:' and 'https:' URIs";
    if (uri.find('@') != std::string_view::npos) {
      advice = fmt::format("write 'mailto:{}'", quoted);
    } else if (uri.starts_with("//")) {
      advice = fmt::format("write 'https:{}'", quoted);
    }
    return fail(tlsrpt_record_code("rua-no-scheme"), column,
                fmt::format("the URI '{}' has no scheme; {}", quoted, advice));
  }
  const auto scheme = uri.substr(0, colon);
  const bool mailto = util::iequals_ascii(scheme, "mailto");
  const bool https = util::iequals_ascii(scheme, "https");
  if (!mailto && !https) {
    const std::string hint = util::iequals_ascii(scheme, "http")
                                 ? "; use 'https:', reports are never posted over plain HTTP"
                                 : "";
    return fail(tlsrpt_record_code("rua-scheme"), column,
                fmt::format("the scheme '{}:' is not allowed; rua takes only 'mailto:' and "
                            "'https:' URIs (RFC 8460 §3){}",
                            util::printable(scheme), hint));
  }
  if (std::ranges::any_of(scheme, [](char c) { return c >= 'A' && c <= 'Z'; })) {
    add_txt_diagnostic(m_diagnostics, tlsrpt_record_code("rua-scheme-case"), m_record_number,
                       column,
                       fmt::format("the scheme '{}:' is better written in lowercase, '{}:'", scheme,
                                   util::to_ascii_lower(scheme)));
  }
  const auto bang = uri.find('!');
  if (bang != std::string_view::npos) {
    return fail(tlsrpt_record_code("rua-unencoded-char"), advance_column(column, bang),
                fmt::format("the URI '{}' contains a raw '!'; write it as '%21' (RFC 8460 §3){}",
                            quoted,
                            mailto ? "; TLSRPT has no DMARC-style size limit such as '!10m'" : ""));
  }
  const auto parsed = boost::urls::parse_uri(uri);
  if (!parsed) {
    const auto flaw = find_uri_flaw(uri);
    if (!flaw) {
      return fail(tlsrpt_record_code("rua-invalid-uri"), column,
                  fmt::format("the URI '{}' is not a valid URI (RFC 3986)", quoted));
    }
    return fail(
        tlsrpt_record_code("rua-invalid-uri"), advance_column(column, flaw->offset),
        flaw->bad_escape
            ? fmt::format("the URI '{}' is not a valid URI (RFC 3986): '%' must be followed "
                          "by two hex digits",
                          quoted)
            : fmt::format("the URI '{}' is not a valid URI (RFC 3986): {} must be "
                          "percent-encoded",
                          quoted, describe_txt_char(uri[flaw->offset])));
  }
  const auto& url = *parsed;
  if (mailto) {
    bool valid = !url.has_authority();
    const std::string to = valid ? url.path() : std::string();
    valid = valid && !to.empty();
    for (const auto address : util::split(to, ',')) {
      valid = valid && is_addr_spec(address);
    }
    if (!valid) {
      return fail(tlsrpt_record_code("rua-mailto-invalid"), column,
                  fmt::format("the URI '{}' needs an address 'local@domain' after 'mailto:', "
                              "e.g. 'mailto:tlsrpt@example.com'",
                              quoted));
    }
    return true;
  }
  if (!url.has_authority() || url.encoded_host().empty()) {
    return fail(tlsrpt_record_code("rua-https-no-host"), column,
                fmt::format("the URI '{}' has no host; write e.g. "
                            "'https://tlsrpt.example.com/report'",
                            quoted));
  }
  return true;
}

Checked<TlsrptRecord> parse_tlsrpt_record_at(std::string_view record, Profile profile,
                                             std::uint32_t record_number)
{
  Checked<TlsrptRecord> result;
  auto& diagnostics = result.diagnostics;
  const auto fields = scan_txt_fields(record, k_tlsrpt_kind, record_number, profile, diagnostics);
  if (!fields) {
    return result;
  }
  TlsrptRecord tlsrpt;
  bool rua_seen = false;
  const TxtField* rua_lookalike = nullptr;
  for (const auto& field : *fields) {
    if (field.duplicate) {
      continue;
    }
    if (field.name == "rua") {
      rua_seen = true;
      if (auto uris = RuaChecker(record_number, diagnostics).run(field)) {
        tlsrpt.rua = std::move(*uris);
      }
      continue;
    }
    if (util::iequals_ascii(field.name, "rua") && rua_lookalike == nullptr) {
      rua_lookalike = &field;
    }
    if (check_txt_extension(field, k_tlsrpt_kind, record_number, diagnostics)) {
      tlsrpt.extensions.push_back(TxtExtension{std::string(field.name), std::string(field.value)});
    }
  }
  if (!rua_seen) {
    std::string message = fmt::format("no 'rua=' field; a TLSRPT record needs one, e.g. '{}' "
                                      "(RFC 8460 §3)",
                                      k_tlsrpt_kind.example);
    if (rua_lookalike != nullptr) {
      message += fmt::format("; '{}=' does not count: field names are case-sensitive",
                             rua_lookalike->name);
    }
    add_txt_diagnostic(diagnostics, tlsrpt_record_code("missing-rua"), record_number, 0,
                       std::move(message));
  }
  sort_txt_diagnostics(diagnostics);
  if (!has_errors(diagnostics)) {
    result.value = std::move(tlsrpt);
  }
  return result;
}

} // namespace

Checked<TlsrptRecord> parse_tlsrpt_record(std::string_view record, Profile profile)
{
  return parse_tlsrpt_record_at(record, profile, 1);
}

Checked<TlsrptRecord> select_tlsrpt_record(std::span<const std::string> rrs, Profile profile)
{
  return select_txt_record<TlsrptRecord>(rrs, k_tlsrpt_kind,
                                         [profile](std::string_view record, std::uint32_t number) {
                                           return parse_tlsrpt_record_at(record, profile, number);
                                         });
}

std::string serialize_tlsrpt_record(const TlsrptRecord& record)
{
  std::string text = fmt::format("{}; rua=", k_tlsrpt_version);
  for (std::size_t i = 0; i < record.rua.size(); ++i) {
    if (i > 0) {
      text += ',';
    }
    text += record.rua[i];
  }
  for (const auto& extension : record.extensions) {
    text += fmt::format("; {}={}", extension.name, extension.value);
  }
  return text;
}

bool is_https_uri(std::string_view uri)
{
  return uri.size() > 6 && util::iequals_ascii(uri.substr(0, 6), "https:");
}

util::Expected<HttpsEndpoint, std::string> https_endpoint(std::string_view uri,
                                                          std::uint16_t default_port)
{
  if (!is_https_uri(uri)) {
    return util::Unexpected(std::string("not an https: URI"));
  }
  const auto parsed = boost::urls::parse_uri(uri);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) {
    return util::Unexpected(std::string("the URI has no host (\"https://host/...\")"));
  }
  HttpsEndpoint endpoint;
  endpoint.port = default_port;
  if (parsed->has_port()) {
    const auto port = util::parse_decimal(parsed->port(), 5);
    if (!port || *port == 0 || *port > 65535) {
      return util::Unexpected("invalid port \"" + std::string(parsed->port()) + "\"");
    }
    endpoint.port = static_cast<std::uint16_t>(*port);
  }
  switch (parsed->host_type()) {
  case boost::urls::host_type::ipv4:
  case boost::urls::host_type::ipv6: {
    const auto host = parsed->host_type() == boost::urls::host_type::ipv4
                          ? parsed->host_ipv4_address().to_string()
                          : parsed->host_ipv6_address().to_string();
    endpoint.host = util::canonical_ip(host).value_or(host);
    endpoint.ip_literal = true;
    return endpoint;
  }
  case boost::urls::host_type::name: {
    auto normalized = normalize_host(parsed->host());
    if (!normalized) {
      return util::Unexpected("\"" + std::string(parsed->host()) +
                              "\" is not a host name: " + normalized.error());
    }
    endpoint.host = std::move(*normalized);
    return endpoint;
  }
  case boost::urls::host_type::ipvfuture:
  case boost::urls::host_type::none:
    break;
  }
  return util::Unexpected("\"" + std::string(parsed->encoded_host()) + "\" is not a host name");
}

} // namespace mtasts::core
