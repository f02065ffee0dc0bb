// Domain-check benchmark (issue 3 item 4): N generated domains (default 500) in the test world,
// `mtasts check` over all of them with SMTP probing, one single-domain check for comparison, and
// mailauth's getPolicy + validateMx (bench/mailauth/check.js) over the same domains against the
// same DNS server and CA, all in one run. Needs root: it enters a private network namespace
// (loopback only) and a private mount namespace whose /etc/resolv.conf names the world's DNS.
// Prints wall-clock figures; never fails on timing (exit 1 only when the world cannot be built
// or a run fails outright).
//
// Usage: bench_check [--domains N] [--concurrency C] [--mtasts PATH] [--mailauth-script PATH]
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pki.hpp"
#include "smtp_receiver.hpp"
#include "world.hpp"
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef MTASTS_BINARY
#define MTASTS_BINARY "mtasts"
#endif
#ifndef MAILAUTH_CHECK_SCRIPT
#define MAILAUTH_CHECK_SCRIPT "bench/mailauth/check.js"
#endif

namespace testworld = mtasts::testworld;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_dns = "127.0.0.53";
constexpr const char* k_policy_address = "127.0.0.10";
constexpr const char* k_mx_address = "127.0.0.20";

std::string domain_name(int i)
{
  return fmt::format("d{:04}.test", i);
}

std::string read_file(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool write_file(const fs::path& path, const std::string& text)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// A private mount namespace in which /etc/resolv.conf names the world's DNS server, so that
// anything resolving through getaddrinfo (Node's HTTPS client, for one) stays in the world.
std::optional<std::string> private_resolv_conf(const fs::path& directory)
{
  if (unshare(CLONE_NEWNS) != 0) {
    return fmt::format("unshare(CLONE_NEWNS): {}", std::strerror(errno));
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return fmt::format("making / private: {}", std::strerror(errno));
  }
  const auto file = directory / "resolv.conf";
  if (!write_file(file, fmt::format("nameserver {}\n", k_dns))) {
    return "cannot write " + file.string();
  }
  if (mount(file.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
    return fmt::format("bind-mounting {} over /etc/resolv.conf: {}", file.string(),
                       std::strerror(errno));
  }
  return std::nullopt;
}

struct RunResult
{
  int exit_code = -1;
  double seconds = 0;
  double cpu_seconds = 0; // user + system of the process and its children
  std::string out;
  std::string err;
};

// Runs argv to completion with stdout/stderr captured in files under `directory`; wall clock
// from fork to reap.
RunResult run_timed(const std::vector<std::string>& argv, const fs::path& directory,
                    const std::string& stem)
{
  const auto out_path = directory / (stem + ".out");
  const auto err_path = directory / (stem + ".err");
  std::vector<char*> arguments;
  for (const auto& argument : argv) {
    arguments.push_back(const_cast<char*>(argument.c_str()));
  }
  arguments.push_back(nullptr);
  RunResult result;
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    dup2(null_fd, STDIN_FILENO);
    execvp(arguments[0], arguments.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid > 0 && wait4(pid, &status, 0, &usage) == pid && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  const auto seconds_of = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  result.cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

struct CheckSummary
{
  std::size_t domains = 0;
  std::size_t ok = 0;
  std::map<std::string, std::size_t> problems; // "code:severity" -> count
  std::string parse_error;
};

CheckSummary summarise(const std::string& json)
{
  CheckSummary summary;
  boost::system::error_code error;
  const auto document = boost::json::parse(json, error);
  if (error || !document.is_object() || !document.as_object().contains("domains")) {
    summary.parse_error = error ? error.message() : "no \"domains\" in the output";
    return summary;
  }
  for (const auto& domain : document.at("domains").as_array()) {
    ++summary.domains;
    if (domain.at("ok").as_bool()) {
      ++summary.ok;
    }
    for (const auto& problem : domain.at("problems").as_array()) {
      const auto key = fmt::format("{}:{}", std::string_view(problem.at("code").as_string()),
                                   std::string_view(problem.at("severity").as_string()));
      ++summary.problems[key];
    }
  }
  return summary;
}

void print_summary(const CheckSummary& summary)
{
  if (!summary.parse_error.empty()) {
    fmt::print("    JSON: {}\n", summary.parse_error);
    return;
  }
  fmt::print("    {} domains in the JSON, {} ok\n", summary.domains, summary.ok);
  for (const auto& [key, count] : summary.problems) {
    fmt::print("    problem {} x{}\n", key, count);
  }
}

int usage(const char* program)
{
  fmt::print(stderr,
             "usage: {} [--domains N] [--concurrency C] [--mtasts PATH] [--mailauth-script PATH]\n",
             program);
  return 2;
}

} // namespace

int main(int argc, char** argv)
{
  int count = 500;
  int concurrency = 16;
  std::string mtasts = MTASTS_BINARY;
  std::string script = MAILAUTH_CHECK_SCRIPT;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (i + 1 >= argc) {
      return usage(argv[0]);
    }
    const std::string value = argv[++i];
    if (argument == "--domains") {
      count = std::atoi(value.c_str());
    } else if (argument == "--concurrency") {
      concurrency = std::atoi(value.c_str());
    } else if (argument == "--mtasts") {
      mtasts = value;
    } else if (argument == "--mailauth-script") {
      script = value;
    } else {
      return usage(argv[0]);
    }
  }
  if (count < 1 || count > 9999 || concurrency < 1) {
    return usage(argv[0]);
  }

  if (auto error = testworld::enter_private_network()) {
    fmt::print(stderr, "bench_check: {}\n", *error);
    return 1;
  }
  testworld::ScratchDir scratch;
  if (auto error = private_resolv_conf(scratch.path())) {
    fmt::print(stderr, "bench_check: {}\n", *error);
    return 1;
  }

  fmt::print("building the world: {} domains ...\n", count);
  const auto build_started = std::chrono::steady_clock::now();
  auto ca = testworld::TestCa::create(scratch.path() / "pki");
  if (!ca) {
    fmt::print(stderr, "bench_check: {}\n", ca.error());
    return 1;
  }
  testworld::CertificateRequest policy_request{"mta-sts.d0000.test", {}, {}};
  testworld::CertificateRequest mx_request{"mx1.d0000.test", {}, {}};
  for (int i = 0; i < count; ++i) {
    policy_request.dns_names.push_back("mta-sts." + domain_name(i));
    mx_request.dns_names.push_back("mx1." + domain_name(i));
  }
  auto policy_files = ca->issue("policy-hosts", policy_request);
  auto mx_files = ca->issue("mx-hosts", mx_request);
  if (!policy_files || !mx_files) {
    fmt::print(stderr, "bench_check: {}\n",
               !policy_files ? policy_files.error() : mx_files.error());
    return 1;
  }

  std::vector<testworld::Zone> zones;
  std::vector<testworld::PolicySite> sites;
  std::string domain_list;
  for (int i = 0; i < count; ++i) {
    const auto domain = domain_name(i);
    domain_list += domain + "\n";
    testworld::Zone zone;
    zone.origin = domain;
    zone.records = {
        "_mta-sts IN TXT \"v=STSv1; id=20261123T000000Z\"",
        fmt::format("mta-sts IN A {}", k_policy_address),
        "@ IN MX 10 mx1",
        fmt::format("mx1 IN A {}", k_mx_address),
        fmt::format("_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{}\"", domain),
    };
    zones.push_back(std::move(zone));
    testworld::PolicySite site;
    site.host = "mta-sts." + domain;
    site.address = k_policy_address;
    site.certificate = policy_files->certificate;
    site.key = policy_files->key;
    site.body =
        fmt::format("version: STSv1\r\nmode: enforce\r\nmx: mx1.{}\r\nmax_age: 604800\r\n", domain);
    sites.push_back(std::move(site));
  }
  const auto domains_file = scratch.path() / "domains.txt";
  write_file(domains_file, domain_list);

  auto nsd = testworld::Nsd::start(scratch.path() / "dns", zones, k_dns);
  if (!nsd) {
    fmt::print(stderr, "bench_check: NSD: {}\n", nsd.error());
    return 1;
  }
  auto nginx = testworld::Nginx::start(scratch.path() / "web", sites);
  if (!nginx) {
    fmt::print(stderr, "bench_check: nginx: {}\n", nginx.error());
    return 1;
  }
  testworld::SmtpReceiverOptions smtp_options;
  smtp_options.address = k_mx_address;
  smtp_options.behaviour = testworld::SmtpBehaviour::good;
  smtp_options.certificate = mx_files->certificate;
  smtp_options.key = mx_files->key;
  auto receiver = testworld::SmtpReceiver::start(smtp_options);
  if (!receiver) {
    fmt::print(stderr, "bench_check: SMTP receiver: {}\n", receiver.error());
    return 1;
  }
  fmt::print(
      "world ready in {:.1f} s (NSD {} zones, nginx {} sites on {}, SMTP on {}:25)\n\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_started).count(),
      count, count, k_policy_address, k_mx_address);

  const std::string ca_file = ca->ca_file().string();
  const std::string concurrency_text = std::to_string(concurrency);
  const std::vector<std::string> check_base = {mtasts,         "check",         "--json",
                                               "--dns-server", k_dns,           "--ca-file",
                                               ca_file,        "--concurrency", concurrency_text};
  int failures = 0;

  // (b) first, one domain (three runs, median), so the bulk run does not warm anything for it.
  std::vector<double> single_times;
  CheckSummary single_summary;
  for (int run = 0; run < 3; ++run) {
    auto argv_single = check_base;
    argv_single.push_back(domain_name(0));
    const auto single = run_timed(argv_single, scratch.path(), fmt::format("single{}", run));
    single_times.push_back(single.seconds);
    single_summary = summarise(single.out);
    if (single.exit_code != 0) {
      fmt::print("mtasts single-domain check exited {}: {}\n", single.exit_code, single.err);
      ++failures;
    }
  }
  std::ranges::sort(single_times);
  const double single_seconds = single_times[1];
  fmt::print("mtasts check, 1 domain (median of 3: {:.3f} / {:.3f} / {:.3f} s)\n", single_times[0],
             single_times[1], single_times[2]);
  print_summary(single_summary);

  // (a) all domains, SMTP probing on.
  auto argv_all = check_base;
  argv_all.insert(argv_all.end(), {"--file", domains_file.string()});
  const auto all = run_timed(argv_all, scratch.path(), "all");
  const auto all_summary = summarise(all.out);
  fmt::print("mtasts check, {} domains with SMTP probing: exit {}, {:.3f} s\n", count,
             all.exit_code, all.seconds);
  print_summary(all_summary);
  if (all.exit_code != 0 || all_summary.domains != static_cast<std::size_t>(count) ||
      all_summary.ok != static_cast<std::size_t>(count)) {
    fmt::print("    stderr: {}\n", all.err.substr(0, 2000));
    ++failures;
  }
  fmt::print("    SMTP receiver accepted {} connections\n", receiver->connections());

  // (c) mailauth over the same domains, same DNS server and CA.
  const auto peer = run_timed({"env", "NODE_EXTRA_CA_CERTS=" + ca_file, "node", script,
                               domains_file.string(), k_dns, concurrency_text},
                              scratch.path(), "mailauth");
  std::size_t peer_policies = 0;
  std::size_t peer_mx_total = 0;
  std::size_t peer_mx_valid = 0;
  double peer_inner = 0;
  {
    boost::system::error_code error;
    const auto document = boost::json::parse(peer.out, error);
    if (error || peer.exit_code != 0 || !document.is_object()) {
      fmt::print("mailauth run failed (exit {}): {}{}\n", peer.exit_code, peer.out,
                 peer.err.substr(0, 2000));
      ++failures;
    } else {
      peer_policies = static_cast<std::size_t>(document.at("policies").to_number<double>());
      peer_mx_total = static_cast<std::size_t>(document.at("mx_total").to_number<double>());
      peer_mx_valid = static_cast<std::size_t>(document.at("mx_valid").to_number<double>());
      peer_inner = document.at("seconds").to_number<double>();
      fmt::print("mailauth getPolicy + validateMx, {} domains: exit {}, {:.3f} s "
                 "({:.3f} s inside the script, without Node start-up)\n",
                 count, peer.exit_code, peer.seconds, peer_inner);
      fmt::print("    {} policies found (enforce/testing), {} of {} MX validated\n", peer_policies,
                 peer_mx_valid, peer_mx_total);
      if (!document.at("errors").as_array().empty()) {
        fmt::print("    errors: {}\n", boost::json::serialize(document.at("errors")));
      }
    }
  }

  fmt::print("\n| tool | domains | seconds | domains/s | client CPU s |\n"
             "|---|---:|---:|---:|---:|\n");
  fmt::print("| mtasts check (1 domain, median of 3) | 1 | {:.3f} | {:.1f} | - |\n", single_seconds,
             1.0 / single_seconds);
  fmt::print("| mtasts check (SMTP probing on) | {} | {:.3f} | {:.1f} | {:.2f} |\n", count,
             all.seconds, count / all.seconds, all.cpu_seconds);
  fmt::print("| mailauth getPolicy + validateMx | {} | {:.3f} | {:.1f} | {:.2f} |\n", count,
             peer.seconds, count / peer.seconds, peer.cpu_seconds);
  fmt::print("| mailauth, in-script time (no Node start-up) | {} | {:.3f} | {:.1f} | - |\n", count,
             peer_inner, count / peer_inner);
  fmt::print("\nratio mailauth/mtasts (wall clock, process start to exit): {:.2f}x "
             "(> 1: mtasts faster)\n",
             peer.seconds / all.seconds);
  fmt::print("ratio with mailauth's in-script time (no Node start-up; mtasts still counts its "
             "process start): {:.2f}x\n",
             peer_inner / all.seconds);
  fmt::print("{} domains took {:.1f}x one domain (concurrency {})\n", count,
             all.seconds / single_seconds, concurrency);
  fmt::print("note: mailauth does not probe SMTP/STARTTLS; mtasts does strictly more work per "
             "domain (every address of the policy host, policy lint in both profiles, a STARTTLS "
             "probe of every MX address, the TLSRPT record).\n");
  return failures == 0 ? 0 : 1;
}
