// One finding of `mtasts check`: a registered code (core/codes.hpp: the checker's own codes and
// the RFC 8460 result types), a severity, a plain-English message and the evidence it was
// computed from (DESIGN.md "Evidence, not booleans"). Codes are RFC 8460 §4.3 result types
// wherever one fits, so a checker finding names a failure exactly as a sender's TLSRPT report
// would.
#pragma once

#include <mtasts/core/codes.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace mtasts::check {

using core::Severity;

struct Problem
{
  std::string code;
  Severity severity = Severity::error;
  std::string message;
  boost::json::object evidence;
};

using Problems = std::vector<Problem>;

// Appends a finding of registry entry `code` with its severity in a strict context (`strict`:
// the policy is in mode enforce, or the finding is about DANE, which applies whatever the mode)
// or not.
void add_problem(Problems& problems, const core::CodeInfo& code, bool strict, std::string message,
                 boost::json::object evidence);
// The same with a severity the caller decides (a context the registry's meaning describes, such
// as dns-error for `_smtp._tls`, a warning).
void add_problem(Problems& problems, const core::CodeInfo& code, Severity severity,
                 std::string message, boost::json::object evidence);

// {"code", "severity", "message", "evidence"}.
boost::json::object problem_to_json(const Problem& problem);

} // namespace mtasts::check
