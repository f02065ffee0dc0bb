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
// Diagnostic codes (severity in strict / compatible profile; "E" error, "W" warning). Set and
// delimiter codes come from txt_fields.hpp: too-many-records, too-long, not-a-candidate,
// no-record, multiple-records, non-ascii, version-invalid, field-syntax, empty-field (E/W),
// trailing-whitespace (E/W), whitespace-around-equals, duplicate-field (W/W),
// extension-name-invalid, extension-value-invalid. Own codes (columns point into the record):
//   missing-rua              E/E  no "rua=" field (column 0)
//   rua-empty                E/E  "rua=" with nothing after it
//   rua-invalid-uri          E/E  not an RFC 3986 URI (the column of the first character that
//                                 must be percent-encoded, or of a bad "%" escape, when there is
//                                 one), whitespace inside a URI, or an empty URI between commas
//   rua-no-scheme            E/E  no scheme, e.g. "tlsrpt@example.com" (message: add "mailto:")
//   rua-scheme               E/E  a scheme other than mailto and https (e.g. "http:")
//   rua-scheme-case          W/W  mailto/https not in lowercase ("MAILTO:"); schemes are
//                                 case-insensitive (RFC 3986 §3.1), the URI is kept as written
//   rua-unencoded-char       E/E  a raw "!" (write "%21"); TLSRPT has no DMARC-style "!size"
//   rua-mailto-invalid       E/E  a mailto: URI without an addr-spec "local@domain"
//   rua-https-no-host        E/E  an https: URI without a host ("https:/report")
#pragma once

#include <mtasts/core/diagnostic.hpp>
#include <mtasts/core/txt_fields.hpp>

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

// Canonical form "v=TLSRPTv1; rua=<uri>,<uri>" followed by "; name=value" for each extension.
// For a record returned by the parsers, parsing the result yields an equal record.
std::string serialize_tlsrpt_record(const TlsrptRecord& record);

} // namespace mtasts::core
