// One finding of `mtasts check`: a stable code, a severity, a plain-English message and the
// evidence it was computed from (DESIGN.md "Evidence, not booleans"). Codes are RFC 8460 §4.3
// result types wherever one fits (`sts-policy-fetch-error`, `sts-policy-invalid`,
// `sts-webpki-invalid`, `starttls-not-supported`, `certificate-host-mismatch`,
// `certificate-expired`, `certificate-not-trusted`, `validation-failure`), so a checker finding
// names a failure exactly as a sender's TLSRPT report would. The other codes are stable
// kebab-case names, listed with their severity in checker.hpp.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mtasts::check {

// `info` reports a fact worth knowing that needs no action (testing mode, the TLSRPT rua).
enum class Severity : std::uint8_t { error, warning, info };

// "error", "warning", "info".
std::string_view severity_name(Severity severity);

struct Problem
{
  std::string code;
  Severity severity = Severity::error;
  std::string message;
  boost::json::object evidence;
};

using Problems = std::vector<Problem>;

// {"code", "severity", "message", "evidence"}.
boost::json::object problem_to_json(const Problem& problem);

} // namespace mtasts::check
