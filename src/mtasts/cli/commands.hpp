// The offline subcommands of `mtasts` (policy, record, report, codes, tour). Each takes its parsed
// options and an Io, writes human text or one JSON document to io.out, and returns an ExitCode.
// The clock is read by the caller and passed in, so every command is reproducible in tests.
#pragma once

#include <mtasts/cli/output.hpp>
#include <mtasts/core/diagnostic.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtasts::cli {

struct PolicyLintOptions
{
  std::string file; // path or "-"
  core::Profile profile = core::Profile::strict;
  bool json = false;
};
int policy_lint(const PolicyLintOptions& options, const Io& io);

inline constexpr std::uint32_t k_default_new_max_age = 90000; // 25 hours: outlives a daily refresh

struct PolicyNewOptions
{
  std::vector<std::string> mx;
  std::string mode = "testing";
  std::uint32_t max_age = k_default_new_max_age;
  std::string domain;           // optional; records use relative names without it
  std::vector<std::string> rua; // optional; default mailto:tlsrpt@<domain>
  std::string id;               // optional; default generated from `now`
  bool json = false;
  bool policy_only = false; // print exactly the policy file (CRLF), nothing else
  std::string web_server;   // "", "nginx", "apache", "caddy": also print its configuration
  std::string certificate;  // for the web server configuration; default: certbot's paths
  std::string key;
  std::chrono::sys_seconds now{};
};
int policy_new(const PolicyNewOptions& options, const Io& io);

struct PolicyMatchOptions
{
  std::string file;
  std::vector<std::string> hosts;
  core::Profile profile = core::Profile::compatible;
  bool json = false;
};
int policy_match(const PolicyMatchOptions& options, const Io& io);

struct RecordOptions
{
  std::vector<std::string> records; // every TXT RR at the name, strings already joined
  core::Profile profile = core::Profile::strict;
  bool json = false;
};
int record_sts(const RecordOptions& options, const Io& io);
int record_tlsrpt(const RecordOptions& options, const Io& io);

struct ReportOptions
{
  std::vector<std::string> files; // .json, .json.gz or "-"
  bool json = false;
  // `validate` holds reports to RFC 8460 (strict, the default there); `show` reads what real
  // senders send (compatible) and explains it.
  std::optional<core::Profile> profile;
};
int report_show(const ReportOptions& options, const Io& io);
int report_validate(const ReportOptions& options, const Io& io);
// `report show` for a report already in memory, labelled `name`.
int report_show_bytes(std::string_view name, std::string_view bytes, const Io& io);

struct CodesOptions
{
  bool json = false;
  bool markdown = false; // the Markdown of docs/CODES.md
};
// Lists the code registry (core/codes.hpp): every code with its severities, meaning, fix and
// RFC section.
int codes(const CodesOptions& options, const Io& io);

// A short guided tour on built-in example data: generate, lint and match a policy, check the
// records, read a sample report.
int tour(const Io& io, std::chrono::sys_seconds now);

} // namespace mtasts::cli
