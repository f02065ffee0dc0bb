#include <mtasts/cli/commands.hpp>
#include <mtasts/cli/web_server_config.hpp>
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/policy.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace mtasts::cli {

namespace {

boost::json::object policy_to_json(const core::Policy& policy)
{
  boost::json::array mx;
  for (const auto& pattern : policy.mx) {
    mx.emplace_back(pattern.text);
  }
  boost::json::object extensions;
  for (const auto& extension : policy.extensions) {
    extensions[extension.name] = extension.value;
  }
  return {{"version", "STSv1"},
          {"mode", core::mode_name(policy.mode)},
          {"max_age", policy.max_age},
          {"mx", std::move(mx)},
          {"extensions", std::move(extensions)}};
}

std::string describe_duration(std::uint32_t seconds)
{
  if (seconds >= 86400 && seconds % 86400 == 0) {
    return fmt::format("{} day{}", seconds / 86400, seconds == 86400 ? "" : "s");
  }
  if (seconds >= 86400) {
    return fmt::format("{:.1f} days", seconds / 86400.0);
  }
  if (seconds >= 3600) {
    return fmt::format("{:.1f} hours", seconds / 3600.0);
  }
  return fmt::format("{} seconds", seconds);
}

std::string join_patterns(const core::Policy& policy)
{
  std::string joined;
  for (const auto& pattern : policy.mx) {
    joined += (joined.empty() ? "" : ", ") + pattern.text;
  }
  return joined.empty() ? "(none)" : joined;
}

constexpr std::string_view k_rollout_plan =
    "Rollout plan: publish the policy file first and check it with 'mtasts policy lint', then the "
    "_mta-sts record (senders fetch the policy only when the id changes) and the _smtp._tls "
    "record. Stay in testing mode for two weeks or more and read the daily TLSRPT reports with "
    "'mtasts report show': every MX must show up with successful sessions and no failures. Then "
    "switch to 'mode: enforce', raise max_age to at least 604800 (one week; senders keep the "
    "policy that long), publish the new file and a new id. Every later change needs a new id; to "
    "withdraw, publish 'mode: none' with a new id and keep serving it for the old max_age.";

} // namespace

int policy_lint(const PolicyLintOptions& options, const Io& io)
{
  const auto body = read_input(options.file);
  if (!body) {
    return usage_error(io, options.json, body.error(), ErrorKind::io);
  }
  const auto result = core::parse_policy(*body, options.profile);
  if (options.json) {
    boost::json::object document;
    document["file"] = options.file;
    document["profile"] = core::profile_name(options.profile);
    document["valid"] = result.ok();
    add_diagnostics(document, result.diagnostics, PositionStyle::line);
    document["policy"] = result.ok() ? boost::json::value(policy_to_json(*result.value)) : nullptr;
    print_json(io, document);
  } else {
    const auto errors = core::count(result.diagnostics, core::Severity::error);
    const auto warnings = core::count(result.diagnostics, core::Severity::warning);
    io.out << options.file << ": "
           << (result.ok() ? paint(io, Tone::good, "valid") : paint(io, Tone::bad, "invalid"))
           << " (" << core::profile_name(options.profile) << " profile)";
    if (errors != 0) {
      io.out << fmt::format(", {} error{}", errors, errors == 1 ? "" : "s");
    }
    if (warnings != 0) {
      io.out << fmt::format(", {} warning{}", warnings, warnings == 1 ? "" : "s");
    }
    io.out << '\n';
    print_diagnostics(io, result.diagnostics, PositionStyle::line);
    if (result.ok()) {
      const auto& policy = *result.value;
      io.out << fmt::format("  mode {}, max_age {} ({}), mx: {}\n", core::mode_name(policy.mode),
                            policy.max_age, describe_duration(policy.max_age),
                            join_patterns(policy));
    }
  }
  return result.ok() ? exit_ok : exit_problem;
}

int policy_new(const PolicyNewOptions& options, const Io& io)
{
  const auto mode = core::parse_mode(options.mode);
  if (!mode) {
    return usage_error(io, options.json, "--mode must be enforce, testing or none");
  }
  std::string domain;
  if (!options.domain.empty()) {
    auto normalized = core::normalize_host(options.domain);
    const auto as_name = normalized ? core::parse_mx_pattern(*normalized)
                                    : util::Expected<core::MxPattern, core::MxPatternError>(
                                          util::Unexpected(core::MxPatternError::label_syntax));
    if (!normalized || !as_name || as_name->is_wildcard()) {
      return usage_error(io, options.json,
                         fmt::format("--domain: '{}' is not a domain name{}", options.domain,
                                     normalized ? "" : ": " + normalized.error()));
    }
    domain = std::move(*normalized);
  }
  if (!options.web_server.empty() && !is_web_server(options.web_server)) {
    return usage_error(io, options.json, "--web-server must be nginx, apache or caddy");
  }
  if (!options.web_server.empty() && domain.empty()) {
    return usage_error(io, options.json,
                       "--web-server needs --domain (the server name is "
                       "mta-sts.<domain>)");
  }
  const std::string id = options.id.empty() ? core::make_sts_id(options.now) : options.id;
  if (!core::is_valid_sts_id(id)) {
    return usage_error(io, options.json, "--id must be 1 to 32 letters and digits");
  }

  // Build the body and lint it with the strict profile: what we print must pass our own linter.
  // Advice from practice (a short max_age) is passed on as warnings; anything else is refused.
  std::string draft = fmt::format("version: STSv1\nmode: {}\n", options.mode);
  for (const auto& pattern : options.mx) {
    draft += fmt::format("mx: {}\n", pattern);
  }
  draft += fmt::format("max_age: {}\n", options.max_age);
  const auto linted = core::parse_policy(draft, core::Profile::strict);
  core::Diagnostics advice;
  core::Diagnostics refused;
  for (const auto& diagnostic : linted.diagnostics) {
    const bool practice =
        diagnostic.code == "max-age-short" || diagnostic.code == "enforce-max-age-zero";
    (practice && diagnostic.severity == core::Severity::warning ? advice : refused)
        .push_back(diagnostic);
  }
  if (!linted.ok() || !refused.empty()) {
    std::string message = "the requested policy is not valid:";
    for (const auto& diagnostic : refused) {
      message += fmt::format(" [{}] {};", diagnostic.code, diagnostic.message);
    }
    message.pop_back();
    return usage_error(io, options.json, message);
  }
  const auto& policy = *linted.value;
  const std::string body = core::serialize_policy(policy);

  std::vector<std::string> rua = options.rua;
  if (rua.empty() && !domain.empty()) {
    rua.push_back("mailto:tlsrpt@" + domain);
  }
  core::TlsrptRecord tlsrpt;
  tlsrpt.rua = rua;
  const std::string tlsrpt_text = core::serialize_tlsrpt_record(tlsrpt);
  if (!rua.empty()) {
    const auto checked = core::parse_tlsrpt_record(tlsrpt_text, core::Profile::strict);
    if (!checked.ok()) {
      std::string message = "--rua is not valid:";
      for (const auto& diagnostic : checked.diagnostics) {
        message += fmt::format(" [{}] {};", diagnostic.code, diagnostic.message);
      }
      message.pop_back();
      return usage_error(io, options.json, message);
    }
  }
  core::StsRecord sts;
  sts.id = id;
  const std::string sts_text = core::serialize_sts_record(sts);
  const std::string suffix = domain.empty() ? "" : "." + domain + ".";
  const std::string sts_name = "_mta-sts" + suffix;
  const std::string tlsrpt_name = "_smtp._tls" + suffix;
  const std::string url = fmt::format("https://mta-sts.{}/.well-known/mta-sts.txt",
                                      domain.empty() ? "<your-domain>" : domain);

  std::string web_config;
  if (!options.web_server.empty()) {
    const std::string live = "/etc/letsencrypt/live/mta-sts." + domain;
    web_config = web_server_config(
        options.web_server,
        WebServerConfigInput{domain, body,
                             options.certificate.empty() ? live + "/fullchain.pem"
                                                         : options.certificate,
                             options.key.empty() ? live + "/privkey.pem" : options.key},
        "/var/www/mta-sts." + domain + "/mta-sts.txt");
  }
  if (options.json) {
    boost::json::object document;
    document["policy"] = body;
    document["web_server"] =
        web_config.empty() ? boost::json::value(nullptr)
                           : boost::json::value(boost::json::object{{"name", options.web_server},
                                                                    {"config", web_config}});
    document["policy_url"] = domain.empty() ? boost::json::value(nullptr) : boost::json::value(url);
    document["id"] = id;
    boost::json::object records;
    records["mta_sts"] = {{"name", sts_name}, {"type", "TXT"}, {"value", sts_text}};
    records["tlsrpt"] = rua.empty()
                            ? boost::json::value(nullptr)
                            : boost::json::value(boost::json::object{
                                  {"name", tlsrpt_name}, {"type", "TXT"}, {"value", tlsrpt_text}});
    document["records"] = std::move(records);
    document["plan"] = k_rollout_plan;
    boost::json::array warnings;
    for (const auto& diagnostic : advice) {
      warnings.push_back(diagnostic_to_json(diagnostic, PositionStyle::line));
    }
    document["warnings"] = std::move(warnings);
    print_json(io, document);
    return exit_ok;
  }
  for (const auto& diagnostic : advice) {
    io.err << "mtasts: warning [" << diagnostic.code << "] " << diagnostic.message << '\n';
  }
  if (options.policy_only) {
    io.out << body;
    return exit_ok;
  }
  io.out << paint(io, Tone::bold, "# 1. Policy file") << '\n';
  io.out << "# Serve at " << url << "\n# over HTTPS (certificate valid for mta-sts."
         << (domain.empty() ? "<your-domain>" : domain)
         << "), status 200, Content-Type: text/plain. Lines end in CRLF; use --policy-only to "
            "write the exact file.\n";
  std::string without_cr = body;
  std::erase(without_cr, '\r');
  io.out << without_cr;
  io.out << '\n' << paint(io, Tone::bold, "# 2. DNS records") << '\n';
  io.out << fmt::format("{}\t300\tIN\tTXT\t\"{}\"\n", sts_name, sts_text);
  if (rua.empty()) {
    io.out << "# _smtp._tls: pass --domain or --rua to generate the TLSRPT record\n";
  } else {
    io.out << fmt::format("{}\t300\tIN\tTXT\t\"{}\"\n", tlsrpt_name, tlsrpt_text);
  }
  if (!web_config.empty()) {
    io.out << '\n'
           << paint(io, Tone::bold, fmt::format("# 3. Web server ({})", options.web_server)) << '\n'
           << web_config;
  }
  io.out << '\n'
         << paint(io, Tone::bold, web_config.empty() ? "# 3. Rollout" : "# 4. Rollout") << '\n'
         << k_rollout_plan << '\n';
  return exit_ok;
}

int policy_match(const PolicyMatchOptions& options, const Io& io)
{
  const auto body = read_input(options.file);
  if (!body) {
    return usage_error(io, options.json, body.error(), ErrorKind::io);
  }
  const auto result = core::parse_policy(*body, options.profile);
  bool all_match = result.ok();
  boost::json::array hosts;
  std::string text;
  for (const auto& host : options.hosts) {
    boost::json::object entry{{"host", host}};
    const auto normalized = core::normalize_host(host);
    if (!normalized) {
      all_match = false;
      entry["matched"] = false;
      entry["error"] = normalized.error();
      text += fmt::format("  {}: {} ({})\n", host, paint(io, Tone::bad, "invalid host"),
                          normalized.error());
    } else {
      entry["normalized"] = *normalized;
      const core::MxPattern* pattern =
          result.ok() ? core::find_matching_pattern(result.value->mx, *normalized) : nullptr;
      all_match = all_match && pattern != nullptr;
      entry["matched"] = pattern != nullptr;
      entry["pattern"] = pattern != nullptr ? boost::json::value(pattern->text) : nullptr;
      text += pattern != nullptr
                  ? fmt::format("  {}: {} by '{}'\n", host, paint(io, Tone::good, "matches"),
                                pattern->text)
                  : fmt::format("  {}: {}\n", host, paint(io, Tone::bad, "no match"));
    }
    hosts.push_back(std::move(entry));
  }
  if (options.json) {
    boost::json::object document;
    document["valid"] = result.ok();
    add_diagnostics(document, result.diagnostics, PositionStyle::line);
    document["hosts"] = std::move(hosts);
    document["all_match"] = all_match;
    print_json(io, document);
  } else {
    if (!result.ok()) {
      io.out << options.file << ": " << paint(io, Tone::bad, "invalid policy")
             << ", nothing can match\n";
      print_diagnostics(io, result.diagnostics, PositionStyle::line);
    } else {
      io.out << options.file << ": mx " << join_patterns(*result.value) << '\n';
    }
    io.out << text;
  }
  return all_match ? exit_ok : exit_problem;
}

} // namespace mtasts::cli
