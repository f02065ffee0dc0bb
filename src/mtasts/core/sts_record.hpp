// The `_mta-sts.<domain>` TXT record, RFC 8461 §3.1 (with erratum 6285): record-set selection,
// parser, canonical serialisation and `id` generation.
//
//   record = %s"v=STSv1" 1*(delim field) [delim]   delim = *WSP ";" *WSP
//   field  = %s"id=" 1*32(ALPHA / DIGIT) / ext      (ext: see txt_fields.hpp)
//
// Field names are case-sensitive ("ID=x" is an extension, not the id). The first occurrence of
// a field counts; repeats are ignored with a warning (RFC 8461 §3.2 last paragraph, applied to
// the TXT record; Courier and checkdmarc reject instead). Unknown well-formed extensions are
// returned without a diagnostic.
//
// Diagnostic codes: the registry's `txt-record` family for the set and delimiter rules and its
// `sts-record` family for the id (core/code_table.hpp, docs/CODES.md).
#pragma once

#include <mtasts/core/diagnostic.hpp>
#include <mtasts/core/txt_fields.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

// --- Interface ---

inline constexpr std::string_view k_sts_version = "v=STSv1";
inline constexpr std::size_t k_max_sts_id_length = 32;

// A valid `_mta-sts` record.
struct StsRecord
{
  std::string id;                       // 1..32 letters and digits; compared for equality only
  std::vector<TxtExtension> extensions; // unknown fields in record order, first of each name

  friend bool operator==(const StsRecord&, const StsRecord&) = default;
};

// Parses one record (one RR, its strings already concatenated) without candidate filtering:
// it must start with exactly "v=STSv1", then optional WSP and ";". Diagnostics carry record 1.
// The value is set iff there is no error-severity diagnostic.
Checked<StsRecord> parse_sts_record(std::string_view record, Profile profile = Profile::strict);

// Discovers the record among all TXT RRs at `_mta-sts.<domain>` (RFC 8461 §3.1): RRs not starting
// with "v=STSv1" + optional WSP + ";" are discarded (not-a-candidate warnings), exactly one must
// remain (else no-record / multiple-records), and that one must parse. No value means no policy
// is discoverable now; it never means "evict the cached policy". At most 256 RRs, each at most
// 65535 bytes. Diagnostics carry the 1-based index of the RR they concern.
Checked<StsRecord> select_sts_record(std::span<const std::string> rrs,
                                     Profile profile = Profile::strict);

// Canonical form "v=STSv1; id=<id>" followed by "; name=value" for each extension. For a record
// returned by the parsers, parsing the result yields an equal record.
std::string serialize_sts_record(const StsRecord& record);

// A fresh id for `now`: "YYYYMMDDThhmmssZ" in UTC, 16 letters and digits (e.g. 2016-08-31
// 08:57:00 UTC -> "20160831T085700Z"). Times outside years 0000..9999 are clamped to that range.
// Reads no clock. Ids only need to change when the policy does; their order means nothing.
std::string make_sts_id(std::chrono::sys_seconds now);

// The id for a policy that just changed (RFC 8461 §3.1: senders refetch only when the id
// differs from the one they hold): make_sts_id(now), or of the next second that gives a
// different id when `previous_id` is already that one (two changes within a second).
std::string next_sts_id(std::string_view previous_id, std::chrono::sys_seconds now);

// True when `id` is 1..32 ASCII letters and digits (RFC 8461 §3.1).
bool is_valid_sts_id(std::string_view id);

} // namespace mtasts::core
