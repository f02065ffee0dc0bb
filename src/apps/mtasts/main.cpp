// mtasts: one binary, one subcommand per job. This file only turns argv into options and calls
// the library; see docs/CLI.md for the public contract (exit codes 0/1/2, --json documents).
#include <mtasts/cli/check_command.hpp>
#include <mtasts/cli/commands.hpp>
#include <mtasts/cli/resolver_command.hpp>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>

namespace {

using namespace mtasts;

bool stdout_wants_color()
{
  return isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
}

void add_profile_option(CLI::App& command, core::Profile& profile, std::string& text,
                        std::string_view default_name)
{
  text = std::string(default_name);
  command
      .add_option("--profile", text,
                  "Parser profile: strict (publisher's linter) or "
                  "compatible (what a sending MTA accepts)")
      ->check(CLI::IsMember({"strict", "compatible"}))
      ->capture_default_str()
      ->each([&profile](const std::string& value) { profile = *core::parse_profile(value); });
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"mtasts: MTA-STS (RFC 8461) and SMTP TLS Reporting (RFC 8460) toolkit.\n"
               "Exit codes: 0 valid/ok, 1 invalid/problem found, 2 usage or I/O error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mtasts 0.1.0");

  std::function<int(const cli::Io&)> run;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string profile_text;

  // --- policy
  auto* policy = app.add_subcommand("policy", "Write, lint and match MTA-STS policy files");
  policy->require_subcommand(1);

  cli::PolicyLintOptions lint;
  auto* lint_cmd = policy->add_subcommand("lint", "Lint a policy file (RFC 8461 §3.2)");
  lint_cmd->add_option("FILE", lint.file, "Policy file, or - for standard input")->required();
  add_profile_option(*lint_cmd, lint.profile, profile_text, "strict");
  lint_cmd->add_flag("--json", lint.json, "Print one JSON document");
  lint_cmd->callback([&] { run = [&](const cli::Io& io) { return cli::policy_lint(lint, io); }; });

  cli::PolicyNewOptions fresh;
  std::uint64_t max_age = fresh.max_age;
  auto* new_cmd = policy->add_subcommand(
      "new", "Generate a policy file, its _mta-sts and _smtp._tls records and a rollout plan");
  new_cmd->add_option("--mx", fresh.mx, "MX host pattern(s), e.g. mx1.example.com *.mx.example.com")
      ->required();
  new_cmd->add_option("--mode", fresh.mode, "testing, enforce or none")
      ->check(CLI::IsMember({"testing", "enforce", "none"}))
      ->capture_default_str();
  new_cmd->add_option("--max-age", max_age, "Seconds senders may cache the policy (0..31557600)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{31557600}))
      ->capture_default_str();
  new_cmd->add_option("--domain", fresh.domain, "The policy domain (e.g. example.com)");
  new_cmd->add_option("--rua", fresh.rua, "TLSRPT report URI(s); default mailto:tlsrpt@DOMAIN");
  new_cmd->add_option("--id", fresh.id, "Record id (1-32 letters/digits); default: UTC timestamp");
  new_cmd->add_flag("--policy-only", fresh.policy_only, "Print only the policy file (CRLF lines)");
  new_cmd->add_flag("--json", fresh.json, "Print one JSON document");
  new_cmd->callback([&] {
    fresh.max_age = static_cast<std::uint32_t>(max_age);
    fresh.now = now;
    run = [&](const cli::Io& io) { return cli::policy_new(fresh, io); };
  });

  cli::PolicyMatchOptions match;
  auto* match_cmd = policy->add_subcommand(
      "match", "Exit 0 iff every HOST matches an mx pattern of the policy (RFC 8461 §4.1)");
  match_cmd->add_option("FILE", match.file, "Policy file, or - for standard input")->required();
  match_cmd->add_option("HOST", match.hosts, "MX host name(s)")->required();
  add_profile_option(*match_cmd, match.profile, profile_text, "compatible");
  match_cmd->add_flag("--json", match.json, "Print one JSON document");
  match_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::policy_match(match, io); }; });

  // --- record
  auto* record = app.add_subcommand("record", "Check the _mta-sts and _smtp._tls TXT records");
  record->require_subcommand(1);
  cli::RecordOptions records;
  auto* sts_cmd = record->add_subcommand(
      "sts",
      "Check the TXT record set at _mta-sts.DOMAIN (RFC 8461 §3.1); one argument per record");
  auto* tlsrpt_cmd = record->add_subcommand(
      "tlsrpt",
      "Check the TXT record set at _smtp._tls.DOMAIN (RFC 8460 §3); one argument per record");
  for (auto* command : {sts_cmd, tlsrpt_cmd}) {
    command->add_option("TXT", records.records, "Every TXT record at the name, strings joined")
        ->required();
    add_profile_option(*command, records.profile, profile_text, "strict");
    command->add_flag("--json", records.json, "Print one JSON document");
  }
  sts_cmd->callback([&] { run = [&](const cli::Io& io) { return cli::record_sts(records, io); }; });
  tlsrpt_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::record_tlsrpt(records, io); }; });

  // --- report
  auto* report = app.add_subcommand("report", "Read and validate TLSRPT reports (RFC 8460 §4)");
  report->require_subcommand(1);
  cli::ReportOptions reports;
  auto* show_cmd = report->add_subcommand(
      "show", "Summarise reports: sessions, success rate, failures explained with fixes");
  auto* validate_cmd =
      report->add_subcommand("validate", "Validate reports; exit 1 if any report is invalid");
  for (auto* command : {show_cmd, validate_cmd}) {
    command->add_option("FILE", reports.files, "Report file(s): .json, .json.gz, or - for stdin")
        ->required();
    command->add_flag("--json", reports.json, "Print one JSON document");
  }
  show_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::report_show(reports, io); }; });
  validate_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::report_validate(reports, io); }; });

  // --- check
  cli::CheckCommandOptions checks;
  double timeout_seconds = 10;
  std::size_t concurrency = checks.check.concurrency;
  auto* check_cmd = app.add_subcommand(
      "check", "Check domains as an MTA-STS sender sees them (DNS, policy, MX, STARTTLS, TLSRPT)");
  check_cmd->add_option("DOMAIN", checks.domains, "Domain(s) to check");
  check_cmd->add_option("--file", checks.file, "More domains, one per line")
      ->check(CLI::ExistingFile);
  check_cmd->add_option("--dns-server", checks.check.dns.servers,
                        "Send every DNS query to IP[:PORT] (repeatable); default /etc/resolv.conf");
  check_cmd->add_option("--trust-anchor", checks.check.dns.trust_anchor_file,
                        "DNSSEC trust anchors (DS/DNSKEY file); default the root key");
  check_cmd->add_option("--ca-file", checks.check.ca_file,
                        "PEM trust anchors for HTTPS and SMTP; default the system store");
  check_cmd->add_option("--timeout", timeout_seconds, "Seconds per network step")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  bool no_smtp = false;
  check_cmd->add_flag("--no-smtp", no_smtp, "Skip the STARTTLS probes of the MX hosts");
  check_cmd->add_option("--concurrency", concurrency, "Domains checked at the same time")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
      ->capture_default_str();
  check_cmd->add_flag("--json", checks.json, "Print one JSON document");
  check_cmd->callback([&] {
    const auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    checks.check.timeout = timeout;
    checks.check.dns.timeout = timeout;
    checks.check.smtp = !no_smtp;
    checks.check.concurrency = concurrency;
    checks.check.now = now;
    checks.progress = isatty(STDERR_FILENO) == 1;
    run = [&](const cli::Io& io) { return cli::check(checks, io); };
  });

  // --- resolver
  resolver::DaemonOptions daemon;
  cli::ResolverQueryOptions query;
  cli::ResolverFlushOptions flush;
  auto* resolver_cmd = app.add_subcommand(
      "resolver", "MTA-STS policy daemon for Postfix (socketmap smtp_tls_policy_maps)");
  auto add_daemon_options = [&](CLI::App* command) {
    command->add_option("--config", daemon.config_file,
                        "TOML configuration (default /etc/mtasts/mtasts.toml if present)");
    command->add_option("--dns-server", daemon.dns_servers,
                        "Send all DNS here (IP or IP:PORT) instead of the system resolver");
    command->add_option("--trust-anchor", daemon.trust_anchor, "DNSSEC trust anchors (DS/DNSKEY)");
    command->add_option("--ca-file", daemon.ca_file, "Trust these PEM roots, not the system store");
  };
  add_daemon_options(resolver_cmd);
  resolver_cmd->add_option("--listen", daemon.listen,
                           "Socketmap listener: IP:PORT, [IPv6]:PORT or unix:PATH (repeatable)");
  resolver_cmd->add_option("--cache", daemon.cache,
                           "memory:, sqlite:///PATH (default) or redis://HOST:PORT[/DB]");
  resolver_cmd->add_option("--admin-listen", daemon.admin_listen,
                           "Metrics/query/flush HTTP listener, IP:PORT (\"\" = off)");
  resolver_cmd->add_option("--log-level", daemon.log_level, "error, warn, info, debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace", "off"}));
  resolver_cmd->add_flag("--check-config", daemon.check_config,
                         "Validate the configuration, print it and exit");
  resolver_cmd->require_subcommand(0, 1);
  resolver_cmd->callback([&] {
    if (resolver_cmd->get_subcommands().empty()) {
      run = [&](const cli::Io& io) { return cli::resolver_run(daemon, io); };
    }
  });
  auto* query_cmd =
      resolver_cmd->add_subcommand("query", "What the daemon answers for DOMAIN, and why (JSON)");
  add_daemon_options(query_cmd);
  query_cmd->add_option("DOMAIN", query.key, "The lookup key, as Postfix sends it")->required();
  query_cmd->add_option("--map", query.map, "Socketmap name (zone)")->capture_default_str();
  query_cmd->add_option("--admin", query.admin, "The daemon's admin listener, IP:PORT");
  query_cmd->add_flag("--direct", query.direct,
                      "Resolve in this process without a daemon or cache");
  query_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::resolver_query(daemon, query, io); }; });
  auto* flush_cmd = resolver_cmd->add_subcommand(
      "flush", "Make a running daemon forget DOMAIN's policy (or --all)");
  add_daemon_options(flush_cmd);
  flush_cmd->add_option("DOMAIN", flush.domain, "The policy domain");
  flush_cmd->add_flag("--all", flush.all, "Forget every domain");
  flush_cmd->add_option("--admin", flush.admin, "The daemon's admin listener, IP:PORT");
  flush_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::resolver_flush(daemon, flush, io); }; });

  // --- tour
  auto* tour_cmd = app.add_subcommand("tour", "A short guided tour on built-in example data");
  tour_cmd->callback([&] { run = [&](const cli::Io& io) { return cli::tour(io, now); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? cli::exit_ok : cli::exit_usage;
  }
  const bool wants_json =
      lint.json || fresh.json || match.json || records.json || reports.json || checks.json;
  const cli::Io io{std::cout, std::cerr, !wants_json && stdout_wants_color()};
  const int code = run(io);
  std::cout.flush();
  return code;
}
