// The one registry of every code mtasts emits: the RFC 8460 §4.3 result types, the findings of
// `mtasts check`, and the diagnostics of the policy, TXT record and report parsers. A checker
// finding, a resolver log line, a parser diagnostic and a TLSRPT failure detail name a failure
// with the same code, and every code has one meaning, one fix and the RFC section it rests on.
// `mtasts codes [--json]` prints the table (core/code_table.hpp); docs/CODES.md is generated
// from it and a test keeps the two equal.
//
// Emitters name their codes through the consteval helpers below (policy_code("mode-invalid"),
// check_code("mx-not-covered"), ...), which return the registry entry: a code missing from the
// table does not compile, and the severity an emitter gives a code comes from the entry.
//
// Severities: `severity` is the strict one (strict parser profile; a checker finding under
// `mode: enforce`, or about DANE, which applies whatever the STS mode), `lenient` the other
// (compatible profile; a checker finding under `mode: testing` or `none`). Pure: no I/O.
#pragma once

#include <mtasts/core/diagnostic.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mtasts::core {

// --- Interface ---

enum class CodeFamily : std::uint8_t {
  result_type,   // RFC 8460 §4.3 result types (also used as checker codes)
  check,         // findings of `mtasts check`
  policy,        // the policy file parser (RFC 8461 §3.2)
  txt_record,    // the tag-list grammar and record-set rules shared by both TXT records
  sts_record,    // the `_mta-sts` TXT record (RFC 8461 §3.1)
  tlsrpt_record, // the `_smtp._tls` TXT record (RFC 8460 §3)
  report,        // TLSRPT reports (RFC 8460 §4)
};

// "result-type", "check", "policy", "txt-record", "sts-record", "tlsrpt-record", "report".
std::string_view family_name(CodeFamily family);

struct CodeInfo
{
  CodeFamily family;
  std::string_view code;    // stable kebab-case identifier
  Severity severity;        // strict profile / enforce (see the file comment)
  Severity lenient;         // compatible profile / testing or none
  std::string_view meaning; // one line: what was observed
  std::string_view fix;     // one line: what to do about it
  std::string_view rfc;     // the section it rests on, e.g. "RFC 8461 §3.2"; "" for practice
};

// Every registered code, by family in the order of CodeFamily, then as listed.
std::span<const CodeInfo> all_codes();

// The entry for `code` in `family`, or nullptr.
const CodeInfo* find_code(CodeFamily family, std::string_view code);

// The severity of `info` in a strict context (strict profile, enforce, DANE) or not.
constexpr Severity severity_in(const CodeInfo& info, bool strict)
{
  return strict ? info.severity : info.lenient;
}
constexpr Severity severity_in(const CodeInfo& info, Profile profile)
{
  return severity_in(info, profile == Profile::strict);
}

// A diagnostic of `info` at `where`, its severity for `profile`.
Diagnostic make_diagnostic(const CodeInfo& info, Profile profile, Position where,
                           std::string message);

// The registry as the Markdown of docs/CODES.md.
std::string codes_markdown();

} // namespace mtasts::core

#include <mtasts/core/code_table.hpp>

namespace mtasts::core {

// --- Inline implementations ---

// The entry of `code` in `family`. Evaluated at compile time: an unregistered code is a
// compile error ("not a constant expression" pointing at the throw below).
consteval const CodeInfo& registered_code(CodeFamily family, std::string_view code)
{
  for (const auto& info : detail::k_code_table) {
    if (info.family == family && info.code == code) {
      return info;
    }
  }
  throw "code missing from core/code_table.hpp"; // NOLINT(hicpp-exception-baseclass)
}

consteval const CodeInfo& result_type_code(std::string_view code)
{
  return registered_code(CodeFamily::result_type, code);
}
consteval const CodeInfo& check_code(std::string_view code)
{
  return registered_code(CodeFamily::check, code);
}
consteval const CodeInfo& policy_code(std::string_view code)
{
  return registered_code(CodeFamily::policy, code);
}
consteval const CodeInfo& txt_code(std::string_view code)
{
  return registered_code(CodeFamily::txt_record, code);
}
consteval const CodeInfo& sts_record_code(std::string_view code)
{
  return registered_code(CodeFamily::sts_record, code);
}
consteval const CodeInfo& tlsrpt_record_code(std::string_view code)
{
  return registered_code(CodeFamily::tlsrpt_record, code);
}
consteval const CodeInfo& report_code(std::string_view code)
{
  return registered_code(CodeFamily::report, code);
}

} // namespace mtasts::core
