#include <mtasts/cli/check_command.hpp>
#include <mtasts/server/process.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>

namespace mtasts::cli {

namespace {

Tone tone_of(core::Severity severity)
{
  switch (severity) {
  case core::Severity::error:
    return Tone::bad;
  case core::Severity::warning:
    return Tone::warn;
  case core::Severity::info:
    return Tone::dim;
  }
  return Tone::bad;
}

// A URL or a mail address where a domain belongs: the domain it names, to suggest.
std::optional<std::string> misplaced_domain(std::string_view argument, std::string& what)
{
  if (const auto scheme = argument.find("://"); scheme != std::string_view::npos) {
    what = "a URL";
    auto rest = argument.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    rest = rest.substr(rest.rfind('@') == std::string_view::npos ? 0 : rest.rfind('@') + 1);
    rest = rest.substr(0, rest.find(':'));
    if (rest.starts_with("mta-sts.")) {
      rest.remove_prefix(8);
    }
    return std::string(rest);
  }
  if (const auto at = argument.rfind('@'); at != std::string_view::npos) {
    what = "a mail address";
    return std::string(argument.substr(at + 1));
  }
  return std::nullopt;
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
    io.out << "  " << paint(io, tone_of(problem.severity), core::severity_name(problem.severity))
           << " [" << problem.code << "] " << problem.message << '\n';
  }
  if (result.sender) {
    io.out << "  " << paint(io, Tone::dim, "sender") << ": " << result.sender->reply << " ("
           << result.sender->answer.reason << ")\n";
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
      return usage_error(io, options.json, text.error(), ErrorKind::io);
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
    return usage_error(io, options.json, "check: no domain given (arguments or --file)");
  }
  for (const auto& domain : domains) {
    std::string what;
    if (const auto suggestion = misplaced_domain(domain, what)) {
      return usage_error(io, options.json,
                         fmt::format("check: '{}' is {}, not a domain{}", domain, what,
                                     suggestion->empty()
                                         ? std::string()
                                         : fmt::format("; did you mean '{}'?", *suggestion)));
    }
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
  // Every domain in flight holds sockets (DNS queries, policy fetches, SMTP probes): a soft
  // limit of 1024 open files would cap a wide run, so use what the hard limit allows.
  server::raise_file_limit();
  auto run = check::run_checks(check_options, std::move(domains));
  progress.clear();
  if (!run) {
    return usage_error(io, options.json, "check: " + run.error());
  }
  const auto& results = run->results;
  const bool ok = std::ranges::all_of(results, &check::DomainResult::ok);
  if (options.json) {
    boost::json::array array;
    for (const auto& result : results) {
      array.push_back(check::domain_result_to_json(result));
    }
    boost::json::object document;
    document["domains"] = std::move(array);
    document["ok"] = ok;
    document["dnssec"] =
        boost::json::object{{"validated", run->dnssec.validated}, {"detail", run->dnssec.detail}};
    print_json(io, document);
  } else {
    for (; printed < results.size(); ++printed) { // none left unless a callback was skipped
      print_result(io, results[printed]);
    }
    if (!run->dnssec.validated) {
      io.err << "mtasts check: note: DNSSEC was not validated (" << run->dnssec.detail
             << "): DANE and dnssec-invalid findings need a trust anchor\n";
    }
  }
  return ok ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
