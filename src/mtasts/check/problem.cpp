#include <mtasts/check/problem.hpp>

namespace mtasts::check {

std::string_view severity_name(Severity severity)
{
  switch (severity) {
  case Severity::error:
    return "error";
  case Severity::warning:
    return "warning";
  case Severity::info:
    return "info";
  }
  return "error";
}

boost::json::object problem_to_json(const Problem& problem)
{
  boost::json::object object;
  object["code"] = problem.code;
  object["severity"] = severity_name(problem.severity);
  object["message"] = problem.message;
  object["evidence"] = problem.evidence;
  return object;
}

} // namespace mtasts::check
