#include <mtasts/cli/check_command.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <sstream>

namespace mtasts::cli {

namespace {

Tone tone_of(check::Severity severity)
{
  switch (severity) {
  case check::Severity::error:
    return Tone::bad;
  case check::Severity::warning:
    return Tone::warn;
  case check::Severity::info:
    return Tone::dim;
  }
  return Tone::bad;
}

std::string trimmed(const std::string& line)
{
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

void print_text(const Io& io, const std::vector<check::DomainResult>& results)
{
  for (const auto& result : results) {
    io.out << paint(io, Tone::bold, result.domain) << "  "
           << (result.mode ? core::mode_name(*result.mode) : std::string_view("no policy")) << "  "
           << (result.ok() ? paint(io, Tone::good, "ok") : paint(io, Tone::bad, "FAIL")) << '\n';
    for (const auto& problem : result.problems) {
      io.out << "  " << paint(io, tone_of(problem.severity), check::severity_name(problem.severity))
             << " [" << problem.code << "] " << problem.message << '\n';
    }
  }
}

} // namespace

int check(const CheckCommandOptions& options, const Io& io)
{
  std::vector<std::string> domains = options.domains;
  if (!options.file.empty()) {
    auto text = read_input(options.file);
    if (!text) {
      io.err << "mtasts check: " << text.error() << '\n';
      return exit_usage;
    }
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      line = trimmed(line);
      if (!line.empty() && !line.starts_with('#')) {
        domains.push_back(line);
      }
    }
  }
  if (domains.empty()) {
    io.err << "mtasts check: no domain given (arguments or --file)\n";
    return exit_usage;
  }
  auto results = check::run_checks(options.check, std::move(domains));
  if (!results) {
    io.err << "mtasts check: " << results.error() << '\n';
    return exit_usage;
  }
  const bool ok = std::ranges::all_of(*results, &check::DomainResult::ok);
  if (options.json) {
    boost::json::array array;
    for (const auto& result : *results) {
      array.push_back(check::domain_result_to_json(result));
    }
    boost::json::object document;
    document["domains"] = std::move(array);
    document["ok"] = ok;
    print_json(io, document);
  } else {
    print_text(io, *results);
  }
  return ok ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
