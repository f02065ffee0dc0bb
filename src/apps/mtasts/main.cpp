// mtasts: one binary, one subcommand per job. This file only turns argv into options and calls
// the library; see docs/CLI.md for the public contract (exit codes 0/1/2, --json documents).
#include <mtasts/cli/check_command.hpp>
#include <mtasts/cli/commands.hpp>
#include <mtasts/cli/domains_command.hpp>
#include <mtasts/cli/resolver_command.hpp>
#include <mtasts/cli/serve_command.hpp>
#include <mtasts/cli/suggest.hpp>
#include <mtasts/util/version.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

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

// A CLI11 check: decimal digits only (no sign, "0x" or octal), from `min` to `max`. CLI11
// prefixes the message with the option's name.
CLI::Validator decimal(std::uint64_t min, std::uint64_t max)
{
  return CLI::Validator(
      [min, max](std::string& text) {
        const auto value = cli::parse_decimal_argument(text, min, max);
        return value ? std::string() : value.error();
      },
      fmt::format("INT in [{} - {}]", min, max));
}

CLI::Validator seconds(double min, double max)
{
  return CLI::Validator(
      [min, max](std::string& text) {
        const auto value = cli::parse_seconds_argument(text, min, max);
        return value ? std::string() : value.error();
      },
      fmt::format("SECONDS in [{} - {}]", min, max));
}

std::vector<std::string> subcommand_names(CLI::App* app)
{
  std::vector<std::string> names;
  for (auto* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

CLI::App* find_subcommand(CLI::App* app, const std::string& name)
{
  for (auto* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) {
      return sub;
    }
  }
  return nullptr;
}

std::vector<std::string> long_options(CLI::App* app)
{
  std::vector<std::string> names{"--help"};
  for (const auto* option : app->get_options()) {
    for (const auto& name : option->get_lnames()) {
      names.push_back("--" + name);
    }
  }
  return names;
}

// The command path named by `args` and the first word that is not a command or an option the
// command knows: unknown commands and options are reported with the closest match, before
// CLI11 would say only "A subcommand is required" or "not expected".
std::optional<std::string> find_unknown_word(CLI::App& app, const std::vector<std::string>& args)
{
  CLI::App* command = &app;
  std::string path = "mtasts";
  bool positional_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--") {
      return std::nullopt;
    }
    if (arg.starts_with("--")) {
      const auto name = arg.substr(0, arg.find('='));
      const auto known = long_options(command);
      if (std::ranges::find(known, name) == known.end() &&
          !(command == &app && name == "--version")) {
        return cli::unknown_message("option", name, known, path);
      }
      if (arg.find('=') == std::string::npos) {
        // Skip the value of an option that takes one (it may look like anything).
        const auto* option = command->get_option_no_throw(name);
        if (option != nullptr && option->get_items_expected_max() > 0 && i + 1 < args.size()) {
          ++i;
        }
      }
      continue;
    }
    if (arg.starts_with('-') && arg.size() > 1) {
      continue; // short options (-h): CLI11 knows them
    }
    if (positional_seen) {
      continue;
    }
    const auto children = subcommand_names(command);
    if (auto* child = find_subcommand(command, arg)) {
      command = child;
      path += " " + arg;
      continue;
    }
    if (!children.empty() &&
        (command->get_require_subcommand_min() > 0 ||
         command->get_options([](const CLI::Option* option) { return option->get_positional(); })
             .empty())) {
      return cli::unknown_message("command", arg, children, command == &app ? "" : path);
    }
    positional_seen = true;
  }
  return std::nullopt;
}

// `mtasts help [COMMAND...]`: the help of that command.
int print_help(CLI::App& app, const std::vector<std::string>& words, const cli::Io& io)
{
  CLI::App* command = &app;
  std::string path = "mtasts";
  for (const auto& word : words) {
    auto* child = find_subcommand(command, word);
    if (child == nullptr) {
      return cli::usage_error(io, false,
                              cli::unknown_message("command", word, subcommand_names(command),
                                                   command == &app ? "" : path));
    }
    command = child;
    path += " " + word;
  }
  // App::help() would describe the command selected on this command line (`help` itself).
  io.out << command->get_formatter()->make_help(command, path, CLI::AppFormatMode::Normal);
  return cli::exit_ok;
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"mtasts: MTA-STS (RFC 8461) and SMTP TLS Reporting (RFC 8460) toolkit.\n"
               "Exit codes: 0 valid/ok, 1 invalid/problem found, 2 usage or I/O error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mtasts " + std::string(util::k_version));

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
  std::string max_age = std::to_string(fresh.max_age);
  auto* new_cmd = policy->add_subcommand(
      "new", "Generate a policy file, its _mta-sts and _smtp._tls records and a rollout plan");
  new_cmd->add_option("--mx", fresh.mx, "MX host pattern(s), e.g. mx1.example.com *.mx.example.com")
      ->required();
  new_cmd->add_option("--web-server", fresh.web_server,
                      "Also print an nginx, apache or caddy configuration serving the policy");
  new_cmd->add_option("--certificate", fresh.certificate,
                      "Certificate file for --web-server (default: certbot's path)");
  new_cmd->add_option("--key", fresh.key, "Key file for --web-server (default: certbot's path)");
  new_cmd->add_option("--mode", fresh.mode, "testing, enforce or none")
      ->check(CLI::IsMember({"testing", "enforce", "none"}))
      ->capture_default_str();
  new_cmd->add_option("--max-age", max_age, "Seconds senders may cache the policy (0..31557600)")
      ->check(decimal(0, 31557600))
      ->capture_default_str();
  new_cmd->add_option("--domain", fresh.domain, "The policy domain (e.g. example.com)");
  new_cmd->add_option("--rua", fresh.rua, "TLSRPT report URI(s); default mailto:tlsrpt@DOMAIN");
  new_cmd->add_option("--id", fresh.id, "Record id (1-32 letters/digits); default: UTC timestamp");
  new_cmd->add_flag("--policy-only", fresh.policy_only, "Print only the policy file (CRLF lines)");
  new_cmd->add_flag("--json", fresh.json, "Print one JSON document");
  new_cmd->callback([&] {
    fresh.max_age = static_cast<std::uint32_t>(*cli::parse_decimal_argument(max_age, 0, 31557600));
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
  std::string report_profile;
  auto* show_cmd = report->add_subcommand(
      "show", "Summarise reports: sessions, success rate, failures explained with fixes");
  auto* validate_cmd =
      report->add_subcommand("validate", "Validate reports; exit 1 if any report is invalid");
  for (auto* command : {show_cmd, validate_cmd}) {
    command->add_option("FILE", reports.files, "Report file(s): .json, .json.gz, or - for stdin")
        ->required();
    command->add_flag("--json", reports.json, "Print one JSON document");
    command
        ->add_option("--profile", report_profile,
                     command == show_cmd
                         ? "strict (RFC 8460 as written) or compatible (default: what real "
                           "senders send)"
                         : "strict (default: RFC 8460 as written) or compatible (what real "
                           "senders send)")
        ->check(CLI::IsMember({"strict", "compatible"}));
  }
  const auto report_callback = [&](bool show) {
    if (!report_profile.empty()) {
      reports.profile = core::parse_profile(report_profile);
    }
    run = [&, show](const cli::Io& io) {
      return show ? cli::report_show(reports, io) : cli::report_validate(reports, io);
    };
  };
  show_cmd->callback([&] { report_callback(true); });
  validate_cmd->callback([&] { report_callback(false); });

  // --- check
  cli::CheckCommandOptions checks;
  std::string timeout_text = "10";
  std::string concurrency_text = std::to_string(checks.check.concurrency);
  auto* check_cmd = app.add_subcommand(
      "check", "Check domains as an MTA-STS sender sees them (DNS, policy, MX, STARTTLS, TLSRPT)");
  check_cmd->add_option("DOMAIN", checks.domains, "Domain(s) to check");
  check_cmd->add_option("--file", checks.file, "More domains, one per line");
  check_cmd->add_option("--dns-server", checks.check.dns.servers,
                        "Send every DNS query to IP[:PORT] (repeatable); default /etc/resolv.conf");
  check_cmd->add_option("--trust-anchor", checks.check.dns.trust_anchor_file,
                        "DNSSEC trust anchors (DS/DNSKEY file); default the root key");
  check_cmd->add_option("--ca-file", checks.check.ca_file,
                        "PEM trust anchors for HTTPS and SMTP; default the system store");
  check_cmd->add_option("--timeout", timeout_text, "Seconds per network step")
      ->check(seconds(0.1, 600.0))
      ->capture_default_str();
  bool no_smtp = false;
  check_cmd->add_flag("--no-smtp", no_smtp, "Skip the STARTTLS probes of the MX hosts");
  check_cmd->add_option("--concurrency", concurrency_text, "Domains checked at the same time")
      ->check(decimal(1, 1024))
      ->capture_default_str();
  check_cmd->add_flag("--json", checks.json, "Print one JSON document");
  check_cmd->callback([&] {
    const auto timeout_seconds = *cli::parse_seconds_argument(timeout_text, 0.1, 600.0);
    const auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    checks.check.timeout = timeout;
    checks.check.dns.timeout = timeout;
    checks.check.dns.dnssec = net::DnssecMode::if_available;
    checks.check.smtp = !no_smtp;
    checks.check.concurrency =
        static_cast<std::size_t>(*cli::parse_decimal_argument(concurrency_text, 1, 1024));
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
    command->add_option("--admin-token-file", daemon.admin_token_file,
                        "Bearer token of the admin listener (a file)");
  };
  add_daemon_options(resolver_cmd);
  resolver_cmd->add_option("--listen", daemon.listen,
                           "Socketmap listener: IP:PORT, [IPv6]:PORT or unix:PATH (repeatable)");
  resolver_cmd->add_option("--cache", daemon.cache,
                           "memory:, sqlite:///PATH (default) or redis://HOST:PORT[/DB]");
  resolver_cmd->add_option("--admin-listen", daemon.admin_listen,
                           "Metrics/query/flush HTTP listener: IP:PORT or unix:PATH (\"\" = off)");
  resolver_cmd->add_option("--log-level", daemon.log_level, "error, warn, info, debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace", "off"}));
  resolver_cmd->add_flag("--check-config", daemon.check_config,
                         "Run every startup check, print the configuration as TOML and exit");
  resolver_cmd->require_subcommand(0, 1);
  resolver_cmd->callback([&] {
    if (resolver_cmd->get_subcommands().empty()) {
      run = [&](const cli::Io& io) { return cli::resolver_run(daemon, io); };
    }
  });
  auto* query_cmd = resolver_cmd->add_subcommand(
      "query", "What the daemon answers for DOMAIN, and why (text, or JSON with --json)");
  add_daemon_options(query_cmd);
  query_cmd->add_option("DOMAIN", query.request.key, "The lookup key, as Postfix sends it")
      ->required();
  query_cmd->add_option("--map", query.request.map, "Socketmap name (zone)")->capture_default_str();
  query_cmd->add_option("--admin", query.request.admin,
                        "The daemon's admin listener, IP:PORT or unix:PATH");
  query_cmd->add_flag("--direct", query.request.direct,
                      "Resolve in this process without a daemon or cache");
  query_cmd->add_flag("--json", query.json, "Print one JSON document");
  query_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::resolver_query(daemon, query, io); }; });
  auto* flush_cmd = resolver_cmd->add_subcommand(
      "flush", "Make a running daemon forget DOMAIN's policy (or --all)");
  add_daemon_options(flush_cmd);
  flush_cmd->add_option("DOMAIN", flush.request.domain, "The policy domain");
  flush_cmd->add_flag("--all", flush.request.all, "Forget every domain");
  flush_cmd->add_option("--admin", flush.request.admin,
                        "The daemon's admin listener, IP:PORT or unix:PATH");
  flush_cmd->add_flag("--json", flush.json, "Print one JSON document (also the default)");
  flush_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return cli::resolver_flush(daemon, flush, io); }; });

  // --- serve
  serve::ServeOptions serving;
  std::string serve_log_level;
  cli::ServeRecordsOptions serve_records;
  auto* serve_cmd = app.add_subcommand(
      "serve", "MTA-STS policy host: serves https://mta-sts.<domain>/.well-known/mta-sts.txt");
  serve_cmd->add_option("--config", serving.config_file,
                        "TOML configuration (default /etc/mtasts/mtasts.toml)");
  serve_cmd->add_option("--log-level", serve_log_level, "error, warn, info, debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace", "off"}));
  serve_cmd->add_flag("--check-config", serving.check_config,
                      "Run every startup check (certificates, store, admin) and exit");
  serve_cmd->require_subcommand(0, 1);
  serve_cmd->callback([&] {
    if (!serve_log_level.empty()) {
      serving.log_level = serve_log_level;
    }
    if (serve_cmd->get_subcommands().empty()) {
      run = [&](const cli::Io& io) { return cli::serve_run(serving, io); };
    }
  });
  auto* serve_records_cmd = serve_cmd->add_subcommand(
      "records", "The DNS records to publish for every served domain (from the running daemon)");
  serve_records_cmd->add_option("--config", serve_records.config_file,
                                "TOML configuration naming [admin] (default "
                                "/etc/mtasts/mtasts.toml)");
  serve_records_cmd->add_flag("--json", serve_records.json, "Print one JSON document");
  serve_records_cmd->callback([&] {
    if (serve_records.config_file.empty()) {
      serve_records.config_file = serving.config_file;
    }
    run = [&](const cli::Io& io) { return cli::serve_records(serve_records, io); };
  });

  // --- domains (through serve's admin API)
  cli::DomainsOptions domains;
  std::string domains_mode;
  std::string domains_max_age;
  std::string domains_certificate;
  std::string domains_key;
  auto* domains_cmd = app.add_subcommand(
      "domains", "The domains a running mtasts serve hosts: list, show, add, set, remove");
  domains_cmd->require_subcommand(1);
  const auto add_domains_command = [&](const std::string& name, const std::string& description,
                                       bool needs_name, bool takes_settings,
                                       int (*command)(const cli::DomainsOptions&, const cli::Io&)) {
    auto* sub = domains_cmd->add_subcommand(name, description);
    sub->add_option("--config", domains.config_file,
                    "TOML configuration naming serve's [admin] (default /etc/mtasts/mtasts.toml)");
    sub->add_flag("--json", domains.json, "Print one JSON document");
    if (needs_name) {
      sub->add_option("NAME", domains.name, "The policy domain")->required();
    }
    if (takes_settings) {
      sub->add_option("--mode", domains_mode, "enforce, testing or none");
      sub->add_option("--mx", domains.mx, "An mx pattern (repeatable; replaces the list)");
      sub->add_option("--max-age", domains_max_age, "Seconds senders keep the policy");
      sub->add_option("--rua", domains.rua, "A TLSRPT rua URI (repeatable; replaces the list)");
      sub->add_option("--certificate", domains_certificate, "PEM certificate chain file");
      sub->add_option("--key", domains_key, "PEM private key file");
    }
    sub->callback([&, sub, command, takes_settings] {
      if (!domains_mode.empty()) {
        domains.mode = domains_mode;
      }
      if (takes_settings && sub->count("--max-age") > 0) {
        domains.max_age = domains_max_age;
      }
      if (!domains_certificate.empty()) {
        domains.certificate = domains_certificate;
      }
      if (!domains_key.empty()) {
        domains.key = domains_key;
      }
      run = [&, command](const cli::Io& io) { return command(domains, io); };
    });
  };
  add_domains_command("list", "Every served domain with its mode, id and certificate", false, false,
                      &cli::domains_list);
  add_domains_command("show", "One served domain", true, false, &cli::domains_show);
  add_domains_command("add", "Serve a new domain (kept in serve's store)", true, true,
                      &cli::domains_add);
  add_domains_command("set", "Change a domain added with add (e.g. --mode enforce)", true, true,
                      &cli::domains_set);
  add_domains_command("remove",
                      "Offboard: serve mode none with a new id for the old max_age, then forget",
                      true, false, &cli::domains_remove);

  // --- codes
  cli::CodesOptions codes;
  auto* codes_cmd = app.add_subcommand(
      "codes", "List every problem, diagnostic and RFC 8460 result-type code with its fix");
  codes_cmd->add_flag("--json", codes.json, "Print one JSON document");
  codes_cmd->add_flag("--markdown", codes.markdown, "Print the Markdown of docs/CODES.md");
  codes_cmd->callback([&] { run = [&](const cli::Io& io) { return cli::codes(codes, io); }; });

  // --- tour, help
  auto* tour_cmd = app.add_subcommand("tour", "A short guided tour on built-in example data");
  tour_cmd->callback([&] { run = [&](const cli::Io& io) { return cli::tour(io, now); }; });
  std::vector<std::string> help_words;
  auto* help_cmd = app.add_subcommand("help", "Show the help of mtasts or of one command");
  help_cmd->add_option("COMMAND", help_words, "A command path, e.g. policy lint");
  help_cmd->callback(
      [&] { run = [&](const cli::Io& io) { return print_help(app, help_words, io); }; });

  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  const bool json = std::ranges::find(args, "--json") != args.end();
  const cli::Io io{std::cout, std::cerr, !json && stdout_wants_color()};
  if (args.empty()) {
    std::cout << app.help();
    return cli::exit_usage;
  }
  if (const auto unknown = find_unknown_word(app, args)) {
    return cli::usage_error(io, json, *unknown + " (run 'mtasts help' or add --help to a command)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& error) {
    return cli::usage_error(io, json, error.what());
  }
  const int code = run(io);
  std::cout.flush();
  return code;
}
