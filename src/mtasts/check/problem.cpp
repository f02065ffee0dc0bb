#include <mtasts/check/problem.hpp>

namespace mtasts::check {

void add_problem(Problems& problems, const core::CodeInfo& code, bool strict, std::string message,
                 boost::json::object evidence)
{
  add_problem(problems, code, core::severity_in(code, strict), std::move(message),
              std::move(evidence));
}

void add_problem(Problems& problems, const core::CodeInfo& code, Severity severity,
                 std::string message, boost::json::object evidence)
{
  problems.push_back(
      Problem{std::string(code.code), severity, std::move(message), std::move(evidence)});
}

boost::json::object problem_to_json(const Problem& problem)
{
  boost::json::object object;
  object["code"] = problem.code;
  object["severity"] = core::severity_name(problem.severity);
  object["message"] = problem.message;
  object["evidence"] = problem.evidence;
  return object;
}

} // namespace mtasts::check
