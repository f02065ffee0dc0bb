#include <mtasts/cli/check_command.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>

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

void print_result(const Io& io, const check::DomainResult& result)
{
  io.out << paint(io, Tone::bold, result.domain) << "  "
         << (result.mode ? core::mode_name(*result.mode) : std::string_view("no policy")) << "  "
         << (result.ok() ? paint(io, Tone::good, "ok") : paint(io, Tone::bad, "FAIL")) << '\n';
  for (const auto& problem : result.problems) {
    io.out << "  " << paint(io, tone_of(problem.severity), check::severity_name(problem.severity))
           << " [" << problem.code << "] " << problem.message << '\n';
  }
}

// The progress line on a terminal: "[#####.....] 12/500 checked, 3 with errors", redrawn in
// place with a carriage return and erased when done.
class Progress
{
public:
  Progress(const Io& io, std::size_t total, bool enabled)
      : m_io(io), m_total(total), m_enabled(enabled && total > 1)
  {}

  void draw() const
  {
    if (!m_enabled) {
      return;
    }
    constexpr std::size_t k_width = 30;
    const std::size_t filled = m_done * k_width / m_total;
    std::string line = "\r\x1b[2K[";
    line.append(filled, '#');
    line.append(k_width - filled, '.');
    line += "] " + std::to_string(m_done) + "/" + std::to_string(m_total) + " checked, " +
            std::to_string(m_failed) + " with errors";
    m_io.err << line << std::flush;
  }
  void clear() const
  {
    if (m_enabled) {
      m_io.err << "\r\x1b[2K" << std::flush;
    }
  }
  void count(bool ok)
  {
    ++m_done;
    m_failed += ok ? 0 : 1;
  }

private:
  const Io& m_io;
  std::size_t m_total;
  bool m_enabled;
  std::size_t m_done = 0;
  std::size_t m_failed = 0;
};

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
  const std::size_t total = domains.size();
  Progress progress(io, total, options.progress);
  // Streaming: results arrive in completion order; a block is printed once every domain before
  // it has been printed.
  std::vector<std::optional<check::DomainResult>> waiting(total);
  std::size_t printed = 0;
  auto check_options = options.check;
  check_options.on_result = [&](std::size_t index, const check::DomainResult& result) {
    progress.count(result.ok());
    if (!options.json) {
      waiting[index] = result;
      if (index == printed) {
        progress.clear();
        for (; printed < total && waiting[printed]; ++printed) {
          print_result(io, *waiting[printed]);
          waiting[printed].reset();
        }
        io.out.flush();
      }
    }
    progress.draw();
  };
  progress.draw();
  auto results = check::run_checks(check_options, std::move(domains));
  progress.clear();
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
    for (; printed < results->size(); ++printed) { // none left unless a callback was skipped
      print_result(io, (*results)[printed]);
    }
  }
  return ok ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
