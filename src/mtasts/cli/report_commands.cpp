#include <mtasts/cli/commands.hpp>
#include <mtasts/core/result_type.hpp>
#include <mtasts/core/tlsrpt_report.hpp>
#include <mtasts/util/rfc3339.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <map>

namespace mtasts::cli {

namespace {

constexpr std::size_t k_max_detail_lines = 8;

std::string group_digits(std::uint64_t value)
{
  std::string digits = std::to_string(value);
  for (auto i = static_cast<std::ptrdiff_t>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), 1, ',');
  }
  return digits;
}

struct FailureGroup
{
  std::uint64_t sessions = 0;
  std::vector<const core::FailureDetail*> details;
};

struct PolicyTotals
{
  std::uint64_t successful = 0;
  std::uint64_t failed = 0;
  std::map<std::string, FailureGroup> failures; // by result-type, sorted by name
};

PolicyTotals totals_of(const core::PolicyResult& policy)
{
  PolicyTotals totals{
      policy.total_successful_session_count, policy.total_failure_session_count, {}};
  for (const auto& detail : policy.failure_details) {
    auto& group = totals.failures[detail.result_type];
    group.sessions += detail.failed_session_count;
    group.details.push_back(&detail);
  }
  return totals;
}

std::string success_rate(std::uint64_t successful, std::uint64_t failed)
{
  const auto total = successful + failed;
  if (total == 0) {
    return "no sessions";
  }
  return fmt::format("{:.2f}% success",
                     100.0 * static_cast<double>(successful) / static_cast<double>(total));
}

std::string period_text(const core::Report& report)
{
  auto seconds = report.end_epoch - report.start_epoch;
  if (seconds % 86400 == 86399) {
    ++seconds; // an inclusive end (23:59:59) covers the whole last second
  }
  const std::string length =
      seconds % 86400 == 0 ? fmt::format("{} day{}", seconds / 86400, seconds == 86400 ? "" : "s")
                           : fmt::format("{:.1f} hours", static_cast<double>(seconds) / 3600.0);
  return fmt::format("{} to {} ({})", util::format_rfc3339_utc(report.start_epoch),
                     util::format_rfc3339_utc(report.end_epoch), length);
}

std::string detail_line(const core::FailureDetail& detail)
{
  std::string line;
  if (detail.receiving_mx_hostname) {
    line += *detail.receiving_mx_hostname;
  }
  if (detail.receiving_ip) {
    line += (line.empty() ? "" : " ") + fmt::format("[{}]", *detail.receiving_ip);
  }
  if (detail.sending_mta_ip) {
    line += (line.empty() ? "sent from " : " from ") + *detail.sending_mta_ip;
  }
  if (line.empty()) {
    line = "no connection details";
  }
  line += fmt::format(": {} session{}", group_digits(detail.failed_session_count),
                      detail.failed_session_count == 1 ? "" : "s");
  if (detail.failure_reason_code) {
    line += fmt::format(", reason \"{}\"", *detail.failure_reason_code);
  }
  if (detail.additional_information) {
    line += fmt::format(", see {}", *detail.additional_information);
  }
  return line;
}

void print_report(const Io& io, const core::Report& report)
{
  io.out << "  From     "
         << (report.organization_name.empty() ? "(no organization-name)"
                                              : report.organization_name);
  if (report.contact_info) {
    io.out << " <" << *report.contact_info << '>';
  }
  io.out << "\n  Report   " << (report.report_id.empty() ? "(no report-id)" : report.report_id)
         << '\n';
  io.out << "  Period   " << period_text(report) << '\n';
  for (const auto& policy : report.policies) {
    const auto totals = totals_of(policy);
    io.out << '\n' << "  " << paint(io, Tone::bold, fmt::format("Policy {}", policy.policy_type));
    if (policy.policy_domain) {
      io.out << " for " << *policy.policy_domain;
    }
    if (!policy.mx_host.empty()) {
      std::string mx;
      for (const auto& pattern : policy.mx_host) {
        mx += (mx.empty() ? "" : ", ") + pattern;
      }
      io.out << " (mx: " << mx << ')';
    }
    io.out << '\n';
    const auto tone = totals.failed == 0 ? Tone::good : Tone::bad;
    const auto sessions = totals.successful + totals.failed;
    io.out << fmt::format("    {} session{}: {} succeeded, ", group_digits(sessions),
                          sessions == 1 ? "" : "s", group_digits(totals.successful))
           << paint(io, tone, fmt::format("{} failed", group_digits(totals.failed))) << ", "
           << success_rate(totals.successful, totals.failed) << '\n';
    for (const auto& [result_type, group] : totals.failures) {
      io.out << "    " << paint(io, Tone::bad, result_type) << ": " << group_digits(group.sessions)
             << " failed session" << (group.sessions == 1 ? "" : "s") << '\n';
      if (const auto* info = core::find_result_type(result_type)) {
        io.out << "      What it means: " << info->meaning << '\n';
        io.out << "      What to do:    " << info->fix << '\n';
      } else {
        io.out << "      (not a result type defined by RFC 8460; see the reason below)\n";
      }
      std::size_t shown = 0;
      for (const auto* detail : group.details) {
        if (shown++ == k_max_detail_lines) {
          io.out << fmt::format("      ... and {} more\n",
                                group.details.size() - k_max_detail_lines);
          break;
        }
        io.out << "      - " << detail_line(*detail) << '\n';
      }
    }
  }
}

boost::json::object summary_to_json(const core::Report& report)
{
  boost::json::array policies;
  std::uint64_t successful = 0;
  std::uint64_t failed = 0;
  for (const auto& policy : report.policies) {
    const auto totals = totals_of(policy);
    successful += totals.successful;
    failed += totals.failed;
    boost::json::array failures;
    for (const auto& [result_type, group] : totals.failures) {
      const auto* info = core::find_result_type(result_type);
      failures.push_back(boost::json::object{
          {"result_type", result_type},
          {"sessions", group.sessions},
          {"known", info != nullptr},
          {"meaning", info != nullptr ? boost::json::value(info->meaning) : nullptr},
          {"fix", info != nullptr ? boost::json::value(info->fix) : nullptr}});
    }
    const auto total = totals.successful + totals.failed;
    policies.push_back(boost::json::object{
        {"policy_type", policy.policy_type},
        {"policy_domain",
         policy.policy_domain ? boost::json::value(*policy.policy_domain) : nullptr},
        {"successful", totals.successful},
        {"failed", totals.failed},
        {"success_rate", total == 0 ? boost::json::value(nullptr)
                                    : boost::json::value(static_cast<double>(totals.successful) /
                                                         static_cast<double>(total))},
        {"failures", std::move(failures)}});
  }
  return {{"successful", successful}, {"failed", failed}, {"policies", std::move(policies)}};
}

struct LoadedReport
{
  std::string file;
  bool readable = false;
  std::string read_error;
  core::Checked<core::Report> parsed;
};

std::vector<LoadedReport> load_reports(const std::vector<std::string>& files, core::Profile profile)
{
  std::vector<LoadedReport> loaded;
  for (const auto& file : files) {
    LoadedReport entry{file, false, {}, {}};
    const auto bytes = read_input(file, core::ReportLimits{}.max_input + 1);
    if (!bytes) {
      entry.read_error = bytes.error();
    } else {
      entry.readable = true;
      entry.parsed = core::parse_report(*bytes, profile);
    }
    loaded.push_back(std::move(entry));
  }
  return loaded;
}

int exit_code_of(const std::vector<LoadedReport>& loaded)
{
  int code = exit_ok;
  for (const auto& entry : loaded) {
    if (!entry.readable) {
      return exit_usage;
    }
    if (!entry.parsed.ok()) {
      code = exit_problem;
    }
  }
  return code;
}

boost::json::object file_to_json(const LoadedReport& entry, bool with_report)
{
  boost::json::object object{{"file", entry.file}};
  if (!entry.readable) {
    object["valid"] = false;
    object["read_error"] = entry.read_error;
    object["errors"] = boost::json::array{};
    object["warnings"] = boost::json::array{};
    return object;
  }
  object["valid"] = entry.parsed.ok();
  add_diagnostics(object, entry.parsed.diagnostics, PositionStyle::field);
  if (with_report) {
    object["report"] =
        entry.parsed.ok() ? boost::json::value(core::report_to_json(*entry.parsed.value)) : nullptr;
    object["summary"] =
        entry.parsed.ok() ? boost::json::value(summary_to_json(*entry.parsed.value)) : nullptr;
  }
  return object;
}

void print_status_line(const Io& io, const LoadedReport& entry)
{
  if (!entry.readable) {
    io.err << "mtasts: " << entry.read_error << '\n';
    return;
  }
  const auto warnings = core::count(entry.parsed.diagnostics, core::Severity::warning);
  io.out << paint(io, Tone::bold, entry.file) << ": "
         << (entry.parsed.ok() ? paint(io, Tone::good, "valid TLSRPT report")
                               : paint(io, Tone::bad, "invalid TLSRPT report"));
  if (warnings != 0) {
    io.out << fmt::format(" ({} warning{})", warnings, warnings == 1 ? "" : "s");
  }
  io.out << '\n';
  print_diagnostics(io, entry.parsed.diagnostics, PositionStyle::field);
}

int run_reports(const ReportOptions& options, const Io& io, bool show)
{
  const auto profile =
      options.profile.value_or(show ? core::Profile::compatible : core::Profile::strict);
  const auto loaded = load_reports(options.files, profile);
  const int code = exit_code_of(loaded);
  if (options.json) {
    boost::json::array files;
    for (const auto& entry : loaded) {
      files.push_back(file_to_json(entry, show));
    }
    print_json(io, boost::json::object{{"valid", code == exit_ok},
                                       {"profile", core::profile_name(profile)},
                                       {show ? "reports" : "files", std::move(files)}});
    return code;
  }
  bool first = true;
  for (const auto& entry : loaded) {
    if (!first && show) {
      io.out << '\n';
    }
    first = false;
    print_status_line(io, entry);
    if (show && entry.readable && entry.parsed.ok()) {
      print_report(io, *entry.parsed.value);
    }
  }
  return code;
}

} // namespace

int report_show(const ReportOptions& options, const Io& io)
{
  return run_reports(options, io, true);
}

int report_validate(const ReportOptions& options, const Io& io)
{
  return run_reports(options, io, false);
}

int report_show_bytes(std::string_view name, std::string_view bytes, const Io& io)
{
  const LoadedReport entry{
      std::string(name), true, {}, core::parse_report(bytes, core::Profile::compatible)};
  print_status_line(io, entry);
  if (entry.parsed.ok()) {
    print_report(io, *entry.parsed.value);
  }
  return entry.parsed.ok() ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
