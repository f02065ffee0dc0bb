// Diagnostics shared by every parser in core: a stable machine code, a severity, a position and a
// plain-English message. Parsers that lint (policy, TXT records, reports) return Checked<T>:
// the value exists iff no diagnostic has severity `error`. Nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::core {

// `info` states a fact that needs no action (checker findings such as `testing-mode`); parsers
// emit only errors and warnings.
enum class Severity : std::uint8_t { error, warning, info };

// "error", "warning", "info".
std::string_view severity_name(Severity severity);

// Where a diagnostic applies. Every member is optional because inputs differ: a policy body has
// lines and columns (1-based), a TXT record set has a record index (1-based) and a column, a JSON
// report has a line/column for syntax errors and a field path (`policies[0].summary`) for schema
// errors. Zero means "not applicable".
struct Position
{
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::uint32_t record = 0;
  std::string field;
};

struct Diagnostic
{
  std::string_view
      code; // stable kebab-case identifier, e.g. "mx-invalid"; points at static storage
  Severity severity = Severity::error;
  Position where;
  std::string message;
};

using Diagnostics = std::vector<Diagnostic>;

bool has_errors(const Diagnostics& diagnostics);
std::size_t count(const Diagnostics& diagnostics, Severity severity);

// A linted value: `value` is set iff `diagnostics` holds no error.
template <typename T>
struct Checked
{
  std::optional<T> value;
  Diagnostics diagnostics;

  bool ok() const { return value.has_value(); }
};

// Parser strictness (see docs/ARCHITECTURE.md, "Profiles"):
//   strict      a publisher's linter: every deviation from the RFC grammar is an error.
//   compatible  what a sending MTA should accept: harmless sloppiness is a warning.
enum class Profile : std::uint8_t { strict, compatible };

std::string_view profile_name(Profile profile);
std::optional<Profile> parse_profile(std::string_view name);

} // namespace mtasts::core
