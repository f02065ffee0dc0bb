// The `_smtp._tls.<domain>` TXT record of SMTP TLS Reporting, RFC 8460 §3: record-set selection,
// parser and canonical serialisation.
//
//   record = %s"v=TLSRPTv1" 1*(delim field) [delim]   delim = *WSP ";" *WSP
//   field  = %s"rua=" uri *(*WSP "," *WSP uri) / ext   (ext: see txt_fields.hpp)
//   uri    = URI (RFC 3986) with "," "!" ";" percent-encoded; scheme "mailto:" or "https:"
//
// The rua value is parsed by this grammar, not as an extension value, so it may hold "=" (a query
// such as "https://r.example/tlsrpt?a=b"). Field names are case-sensitive; the first occurrence
// of a field counts and repeats are ignored with a warning. Unknown well-formed extensions are
// returned without a diagnostic.
//
// Diagnostic codes: the registry's `txt-record` family for the set and delimiter rules and its
// `tlsrpt-record` family for rua (core/code_table.hpp, docs/CODES.md).
#pragma once

#include <mtasts/core/diagnostic.hpp>
#include <mtasts/core/txt_fields.hpp>
#include <mtasts/util/expected.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

// --- Interface ---

inline constexpr std::string_view k_tlsrpt_version = "v=TLSRPTv1";

// A valid `_smtp._tls` record.
struct TlsrptRecord
{
  std::vector<std::string> rua;         // 1 or more URIs, as written (still percent-encoded)
  std::vector<TxtExtension> extensions; // unknown fields in record order, first of each name

  friend bool operator==(const TlsrptRecord&, const TlsrptRecord&) = default;
};

// Parses one record (one RR, its strings already concatenated) without candidate filtering:
// it must start with exactly "v=TLSRPTv1", then optional WSP and ";". Diagnostics carry record 1.
// The value is set iff there is no error-severity diagnostic.
Checked<TlsrptRecord> parse_tlsrpt_record(std::string_view record,
                                          Profile profile = Profile::strict);

// Discovers the record among all TXT RRs at `_smtp._tls.<domain>` (RFC 8460 §3): RRs not
// starting with "v=TLSRPTv1" + optional WSP + ";" are discarded (not-a-candidate warnings),
// exactly one must remain (else no-record / multiple-records), and that one must parse. No value
// means the domain requests no reports. At most 256 RRs, each at most 65535 bytes. Diagnostics
// carry the 1-based index of the RR they concern.
Checked<TlsrptRecord> select_tlsrpt_record(std::span<const std::string> rrs,
                                           Profile profile = Profile::strict);

// Where an `https:` rua URI delivers reports (RFC 8460 §5.4, RFC 3986 §3.2): the host, normalised
// (A-labels, lowercase) or an IP literal in canonical text without brackets, and the port (the
// URI's, else `default_port`). Errors say why there is none: not an https: URI, no host, a host
// that is not a host name, a bad port.
struct HttpsEndpoint
{
  std::string host;
  std::uint16_t port = 443;
  bool ip_literal = false;
};
util::Expected<HttpsEndpoint, std::string> https_endpoint(std::string_view uri,
                                                          std::uint16_t default_port = 443);

// True when `uri` starts with the https scheme (case-insensitive, RFC 3986 §3.1).
bool is_https_uri(std::string_view uri);

// Canonical form "v=TLSRPTv1; rua=<uri>,<uri>" followed by "; name=value" for each extension.
// For a record returned by the parsers, parsing the result yields an equal record.
std::string serialize_tlsrpt_record(const TlsrptRecord& record);

} // namespace mtasts::core
