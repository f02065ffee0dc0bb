// The "tag list" shared by the two DNS TXT records of this toolkit: the `_mta-sts` record
// (RFC 8461 §3.1) and the `_smtp._tls` record (RFC 8460 §3). Both are
//   record = version 1*(delim field) [delim]      delim = *WSP ";" *WSP
//   ext    = name "=" value
//   name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   value  = 1*(%x21-3A / %x3C / %x3E-7E)         (visible ASCII except ";" and "=")
// with a case-sensitive version literal. This file holds the record-set selection (candidate
// filter and "exactly one" rule), the field scanner and the extension check; sts_record and
// tlsrpt_record build on them.
//
// Input: each TXT RR as one string, already concatenated from its character-strings with nothing
// in between (RFC 8461 §3.1, RFC 8460 §3). Positions: `where.record` is the 1-based index of the
// RR in the set (0 for problems of the set as a whole), `where.column` the 1-based byte column in
// that RR (0 for problems of the record as a whole).
//
// Diagnostic codes emitted here: the registry's `txt-record` family (core/code_table.hpp,
// docs/CODES.md), with their severities per profile.
#pragma once

#include <mtasts/core/codes.hpp>
#include <mtasts/core/diagnostic.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

// --- Interface ---

inline constexpr std::size_t k_max_txt_record_length = 65535; // bytes in one RR, concatenated
inline constexpr std::size_t k_max_txt_record_count = 256;    // RRs in one set
inline constexpr std::size_t k_max_txt_name_length = 32;      // extension field name

// An unknown, well-formed field (`name=value`); senders ignore it, linters show it.
struct TxtExtension
{
  std::string name;
  std::string value;

  friend bool operator==(const TxtExtension&, const TxtExtension&) = default;
};

// What distinguishes the two record types; used for the version literal and for messages.
struct TxtRecordKind
{
  std::string_view version;     // case-sensitive literal, e.g. "v=STSv1"
  std::string_view record_name; // for messages, with article: "an MTA-STS record"
  std::string_view owner;       // where it is published, e.g. "_mta-sts.<domain>"
  std::string_view example;     // a minimal valid record, e.g. "v=STSv1; id=20240101T000000Z"
  std::string_view absent;      // consequence of no usable record: "no MTA-STS policy is ..."
  std::string_view rfc;         // e.g. "RFC 8461 §3.1"
  std::string_view list_field;  // a field whose value is a comma-separated list ("rua"), or ""
};

// One `name=value` field of a record, pointing into the scanned text. Name and value have any
// whitespace next to "=" removed (that whitespace is reported as an error by the scanner).
struct TxtField
{
  std::string_view name;
  std::string_view value;
  std::uint32_t column = 0;       // 1-based column of the field's first character
  std::uint32_t value_column = 0; // 1-based column of the value's first character
  bool duplicate = false;         // the name was seen before ("v" counts as seen): ignore it
};

// True when `rr` is a candidate in the sense of RFC 8461 §3.1 / RFC 8460 §3 with erratum 6285:
// it starts with `version` (case-sensitive, at the very first byte), then optional WSP, then ";".
bool is_txt_candidate(std::string_view rr, std::string_view version);

// Applies the record-set rules to `rrs`: enforces the set and RR size limits, discards every
// non-candidate with a `not-a-candidate` warning, then requires exactly one candidate. Returns
// the 0-based index of that candidate, or nullopt (with an error appended) when the set has too
// many RRs, an over-long RR, no candidate or several. Appends diagnostics; never throws.
std::optional<std::size_t> select_txt_candidate(std::span<const std::string> rrs,
                                                const TxtRecordKind& kind,
                                                Diagnostics& diagnostics);

// Splits one record into its fields after the version. Checks the length limit, US-ASCII, the
// version literal, the delimiters (`empty-field`, `trailing-whitespace`, `field-syntax`), WSP
// around "=" and repeated names (`duplicate-field`); it does not check names or values, which
// depend on the field. Fields without "=" are reported and left out. Returns nullopt, with an
// error appended, when the record cannot be split at all (too long, non-ASCII, wrong version);
// otherwise the fields in record order (possibly none). `record_number` goes into every
// diagnostic. The returned views point into `record`.
std::optional<std::vector<TxtField>> scan_txt_fields(std::string_view record,
                                                     const TxtRecordKind& kind,
                                                     std::uint32_t record_number, Profile profile,
                                                     Diagnostics& diagnostics);

// Grammar checks for an extension field's name and value (see the grammar above).
bool is_valid_txt_name(std::string_view name);
bool is_valid_txt_value(std::string_view value);

// Checks `field` as an extension (`ext = name "=" value`), appending `extension-name-invalid` or
// `extension-value-invalid` errors. Returns true when it is well-formed.
bool check_txt_extension(const TxtField& field, const TxtRecordKind& kind,
                         std::uint32_t record_number, Diagnostics& diagnostics);

// For messages about a bad character: "'-'", "a space", "a tab", "control character 0x0d".
std::string describe_txt_char(char c);

// For a WSP at `index` inside a field value: when the rest looks like another field ("a=b"),
// returns a hint such as "; is a ';' missing before 'foo=bar'?", else "".
std::string missing_delimiter_hint(std::string_view value, std::size_t index);

// The column `offset` bytes after `column`, saturating instead of wrapping.
std::uint32_t advance_column(std::uint32_t column, std::size_t offset);

// Appends a diagnostic of registry entry `code` at (record, column) of a TXT record set, with
// the entry's severity for `profile`. Without a profile the entry must have one severity.
void add_txt_diagnostic(Diagnostics& diagnostics, const CodeInfo& code, Profile profile,
                        std::uint32_t record, std::uint32_t column, std::string message);
void add_txt_diagnostic(Diagnostics& diagnostics, const CodeInfo& code, std::uint32_t record,
                        std::uint32_t column, std::string message);

// Orders diagnostics by record, then column; within each, 0 ("the whole set", "the whole
// record") sorts last. Stable, so diagnostics at the same position keep their order.
void sort_txt_diagnostics(Diagnostics& diagnostics);

// The whole discovery step for one record type: select_txt_candidate, then
// `parse_at(record, record_number)` on the single candidate (record_number is 1-based); the
// diagnostics of both steps are merged and sorted.
template <typename Record, typename ParseAt>
Checked<Record> select_txt_record(std::span<const std::string> rrs, const TxtRecordKind& kind,
                                  ParseAt parse_at)
{
  Checked<Record> result;
  const auto index = select_txt_candidate(rrs, kind, result.diagnostics);
  if (index) {
    auto parsed = parse_at(rrs[*index], static_cast<std::uint32_t>(*index + 1));
    result.value = std::move(parsed.value);
    result.diagnostics.insert(result.diagnostics.end(),
                              std::make_move_iterator(parsed.diagnostics.begin()),
                              std::make_move_iterator(parsed.diagnostics.end()));
  }
  sort_txt_diagnostics(result.diagnostics);
  return result;
}

} // namespace mtasts::core
