// Shared plumbing of the command-line front end: exit codes, input reading, diagnostics rendered
// as text or JSON. The CLI's public contract (exit codes, JSON fields) is documented in
// docs/CLI.md; change both together.
#pragma once

#include <mtasts/core/diagnostic.hpp>
#include <mtasts/util/expected.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace mtasts::cli {

// 0 = valid/ok, 1 = invalid/problem found, 2 = usage or I/O error.
enum ExitCode : int { exit_ok = 0, exit_problem = 1, exit_usage = 2 };

struct Io
{
  std::ostream& out;
  std::ostream& err;
  bool color = false; // ANSI colours on `out` (a terminal, and NO_COLOR unset)
};

// Files larger than this are not read at all.
inline constexpr std::size_t k_max_input_file = 64UL * 1024 * 1024;

// Reads a whole file, or standard input for "-". Errors name the path and the reason.
util::Expected<std::string, std::string> read_input(const std::string& path,
                                                    std::size_t max_bytes = k_max_input_file);

// Which position members a command's diagnostics use in JSON.
enum class PositionStyle : std::uint8_t { line, record, field };

boost::json::object diagnostic_to_json(const core::Diagnostic& diagnostic, PositionStyle style);
// Fills "errors" and "warnings" arrays of `target`.
void add_diagnostics(boost::json::object& target, const core::Diagnostics& diagnostics,
                     PositionStyle style);

// One line per diagnostic: "  line 3, column 7: error [mode-invalid] message".
void print_diagnostics(const Io& io, const core::Diagnostics& diagnostics, PositionStyle style,
                       std::string_view indent = "  ");

// Writes a JSON document followed by a newline.
void print_json(const Io& io, const boost::json::value& document);

// A usage error (a bad argument: exit 2) or an I/O error (an unreadable file: exit 2). With
// `json` it is the one JSON document on standard output,
//   {"error": {"kind": "usage" | "io", "message": "..."}},
// otherwise "mtasts: <message>" on standard error. Returns exit_usage.
enum class ErrorKind : std::uint8_t { usage, io };
int usage_error(const Io& io, bool json, std::string_view message,
                ErrorKind kind = ErrorKind::usage);

enum class Tone : std::uint8_t { good, bad, warn, dim, bold };
// `text` wrapped in an ANSI colour when io.color is set.
std::string paint(const Io& io, Tone tone, std::string_view text);

} // namespace mtasts::cli
