// Domain-check benchmark (issues 3 and 9): N generated domains (default 500) in the test world,
// timed side by side in one run: `mtasts check` with SMTP probing and with `--no-smtp`, and
// mailauth 7.1.0 (bench/mailauth/check.js) with getPolicy alone (its policy-only check) and with
// getPolicy + validateMx, all against the same DNS server and CA, each at every concurrency of
// --concurrency in --runs rounds (the best median is reported), plus one single-domain check.
// The world: NSD with one zone per domain (`_mta-sts`, `mta-sts` A, MX, `_smtp._tls`), nginx
// serving each `mta-sts.<domain>` with a certificate of its own (SNI), and one STARTTLS receiver
// as the MX host every domain names (mx.mail-provider.test), as a mail provider's customers do.
//
// With --rtt-ms R the servers sit behind bench/delaylink (R/2 ms each way: netem when the kernel
// has it, a TUN relay otherwise) and every client runs in the client namespace on the far side,
// so each DNS query, TCP handshake, TLS flight, HTTP exchange and SMTP step costs R ms as on a
// real network. Without it everything runs on loopback.
//
// Needs root: it enters a private network namespace and a private mount namespace whose
// /etc/resolv.conf names the world's DNS. Only loopback and the namespaces it creates; `.test`
// names. Prints wall-clock figures; never fails on timing (exit 1 only when the world cannot be
// built or a run fails outright).
//
// Usage: bench_check [--domains N] [--concurrency C[,C...]] [--runs N (3)] [--rtt-ms R]
//                    [--delaylink PATH] [--mtasts PATH] [--mailauth-script PATH]
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
#ifndef DELAYLINK_BINARY
#define DELAYLINK_BINARY "delaylink"
#endif
#ifndef MAILAUTH_CHECK_SCRIPT
#define MAILAUTH_CHECK_SCRIPT "bench/mailauth/check.js"
#endif

namespace testworld = mtasts::testworld;
namespace util = mtasts::util;
namespace fs = std::filesystem;

namespace {

// Where the servers listen: distinct loopback addresses, or bench/delaylink's server end (one
// address, distinct ports) when the clients sit behind the delayed link.
struct ServerAddresses
{
  std::string dns = "127.0.0.53";
  std::string policy = "127.0.0.10";
  std::string mx = "127.0.0.20";
};
constexpr const char* k_delaylink_server = "10.77.0.1";
// The MX host every domain names (one provider's).
constexpr const char* k_mx_zone = "mail-provider.test";
constexpr const char* k_mx_host = "mx.mail-provider.test";

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
std::optional<std::string> private_resolv_conf(const fs::path& directory,
                                               const std::string& nameserver)
{
  if (unshare(CLONE_NEWNS) != 0) {
    return fmt::format("unshare(CLONE_NEWNS): {}", std::strerror(errno));
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return fmt::format("making / private: {}", std::strerror(errno));
  }
  const auto file = directory / "resolv.conf";
  if (!write_file(file, fmt::format("nameserver {}\n", nameserver))) {
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

// Runs argv to completion with stdout/stderr captured in files under `directory`, in the
// network namespace `client_ns` (an open /proc/PID/ns/net) when it is not -1; wall clock from
// fork to reap.
RunResult run_timed(const std::vector<std::string>& argv, const fs::path& directory,
                    const std::string& stem, int client_ns)
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
    if (client_ns >= 0 && setns(client_ns, CLONE_NEWNET) != 0) {
      _exit(126);
    }
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
             "usage: {} [--domains N] [--concurrency C[,C...]] [--runs N] [--rtt-ms R] "
             "[--delaylink PATH] [--mtasts PATH] [--mailauth-script PATH]\n",
             program);
  return 2;
}

// "16,64,256" -> {16, 64, 256}; empty when a value is not a positive number.
std::vector<int> parse_concurrency_list(const std::string& text)
{
  std::vector<int> values;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const int value = std::atoi(item.c_str());
    if (value < 1 || value > 1024) {
      return {};
    }
    values.push_back(value);
  }
  return values;
}

// bench/delaylink running, its client namespace open for run_timed.
struct DelayedLink
{
  testworld::Process process;
  int client_ns = -1;
  std::string mode;
};

util::Expected<DelayedLink, std::string> start_delaylink(const std::string& binary, int rtt_ms,
                                                         const fs::path& directory)
{
  const auto log = directory / "delaylink.log";
  auto process = testworld::Process::start({binary, "-d", std::to_string(rtt_ms / 2)}, log);
  if (!process) {
    return util::Unexpected(process.error());
  }
  // "ready PID MODE" once the link carries packets.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::istringstream text(read_file(log));
    std::string word;
    int anchor = 0;
    std::string mode;
    while (text >> word) {
      if (word == "ready" && text >> anchor >> mode) {
        const auto path = fmt::format("/proc/{}/ns/net", anchor);
        const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          return util::Unexpected(fmt::format("{}: {}", path, std::strerror(errno)));
        }
        return DelayedLink{std::move(*process), fd, mode};
      }
    }
    if (!process->running()) {
      break;
    }
    usleep(100'000);
  }
  return util::Unexpected("delaylink did not come up: " + read_file(log));
}

enum class ToolKind { mtasts, mailauth };

struct Tool
{
  std::string label;
  ToolKind kind;
  std::vector<std::string> argv; // without the concurrency
  bool policy_only = false;
};

struct Measurement
{
  int concurrency = 0;
  RunResult run;
  bool valid = false;
  std::string detail;       // what the output said, one line
  double inner_seconds = 0; // mailauth: time inside the script (no Node start-up)
};

// Runs `tool` over all domains at `concurrency` and checks that every domain came out right:
// all ok for mtasts, every policy found (and every MX validated) for mailauth.
Measurement measure(const Tool& tool, int concurrency, int count, const fs::path& directory,
                    int client_ns)
{
  Measurement measurement;
  measurement.concurrency = concurrency;
  auto argv = tool.argv;
  if (tool.kind == ToolKind::mtasts) {
    argv.insert(argv.end(), {"--concurrency", std::to_string(concurrency)});
  } else {
    argv.push_back(std::to_string(concurrency));
    if (tool.policy_only) {
      argv.push_back("policy-only");
    }
  }
  measurement.run = run_timed(argv, directory, fmt::format("run-{}", concurrency), client_ns);
  const auto& run = measurement.run;
  const auto expected = static_cast<std::size_t>(count);
  if (tool.kind == ToolKind::mtasts) {
    const auto summary = summarise(run.out);
    measurement.valid = run.exit_code == 0 && summary.parse_error.empty() &&
                        summary.domains == expected && summary.ok == expected;
    measurement.detail = summary.parse_error.empty()
                             ? fmt::format("{} domains, {} ok", summary.domains, summary.ok)
                             : fmt::format("exit {}, JSON: {}; stderr: {}", run.exit_code,
                                           summary.parse_error, run.err.substr(0, 500));
    return measurement;
  }
  boost::system::error_code error;
  const auto document = boost::json::parse(run.out, error);
  if (error || run.exit_code != 0 || !document.is_object()) {
    measurement.detail =
        fmt::format("exit {}: {}{}", run.exit_code, run.out.substr(0, 500), run.err.substr(0, 500));
    return measurement;
  }
  const auto number = [&](const char* key) {
    return static_cast<std::size_t>(document.at(key).to_number<double>());
  };
  measurement.inner_seconds = document.at("seconds").to_number<double>();
  const auto& errors = document.at("errors").as_array();
  measurement.valid = number("policies") == expected && errors.empty() &&
                      (tool.policy_only || number("mx_valid") == expected);
  measurement.detail = fmt::format(
      "{} policies found, {} of {} MX validated, {:.3f} s inside "
      "the script{}",
      number("policies"), number("mx_valid"), number("mx_total"), measurement.inner_seconds,
      errors.empty() ? "" : "; errors: " + boost::json::serialize(errors));
  return measurement;
}

// The kernel's counters of what the servers' side dropped (listen queues full, UDP buffers
// full): a run whose time jumps by seconds usually shows here (a dropped SYN is resent after
// 1 s, 3 s, ...). Reads /proc/net/netstat and /proc/net/snmp of this network namespace.
std::string drop_counters()
{
  std::map<std::string, std::string> values;
  for (const char* file : {"/proc/net/netstat", "/proc/net/snmp"}) {
    std::istringstream text(read_file(file));
    std::string names;
    std::string numbers;
    while (std::getline(text, names) && std::getline(text, numbers)) {
      std::istringstream name_fields(names);
      std::istringstream number_fields(numbers);
      std::string prefix;
      std::string ignored;
      name_fields >> prefix;
      number_fields >> ignored;
      std::string name;
      std::string number;
      while (name_fields >> name && number_fields >> number) {
        values[prefix + name] = number;
      }
    }
  }
  std::string out;
  for (const char* key : {"TcpExt:ListenOverflows", "TcpExt:ListenDrops", "TcpExt:TCPTimeouts",
                          "Tcp:RetransSegs", "Udp:RcvbufErrors", "Udp:SndbufErrors"}) {
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", key,
                       values.contains(key) ? values[key] : "?");
  }
  return out;
}

} // namespace

int main(int argc, char** argv)
{
  int count = 500;
  int rtt_ms = 0;
  int runs = 3;
  std::string concurrency_text;
  std::string mtasts = MTASTS_BINARY;
  std::string script = MAILAUTH_CHECK_SCRIPT;
  std::string delaylink = DELAYLINK_BINARY;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (i + 1 >= argc) {
      return usage(argv[0]);
    }
    const std::string value = argv[++i];
    if (argument == "--domains") {
      count = std::atoi(value.c_str());
    } else if (argument == "--concurrency") {
      concurrency_text = value;
    } else if (argument == "--runs") {
      runs = std::atoi(value.c_str());
    } else if (argument == "--rtt-ms") {
      rtt_ms = std::atoi(value.c_str());
    } else if (argument == "--delaylink") {
      delaylink = value;
    } else if (argument == "--mtasts") {
      mtasts = value;
    } else if (argument == "--mailauth-script") {
      script = value;
    } else {
      return usage(argv[0]);
    }
  }
  if (concurrency_text.empty()) {
    // On loopback 16 in flight already keep both cores busy; behind a delay, latency rules and
    // each tool's best lies higher.
    concurrency_text = rtt_ms > 0 ? "16,64,256,500" : "16";
  }
  const auto concurrencies = parse_concurrency_list(concurrency_text);
  if (count < 1 || count > 9999 || concurrencies.empty() || runs < 1 || runs > 99 || rtt_ms < 0 ||
      rtt_ms > 2000 || rtt_ms % 2 != 0) {
    return usage(argv[0]);
  }

  if (auto error = testworld::enter_private_network()) {
    fmt::print(stderr, "bench_check: {}\n", *error);
    return 1;
  }
  testworld::ScratchDir scratch;
  std::optional<DelayedLink> link;
  ServerAddresses addresses;
  if (rtt_ms > 0) {
    auto started = start_delaylink(delaylink, rtt_ms, scratch.path());
    if (!started) {
      fmt::print(stderr, "bench_check: {}\n", started.error());
      return 1;
    }
    link.emplace(std::move(*started));
    addresses = {k_delaylink_server, k_delaylink_server, k_delaylink_server};
  }
  const int client_ns = link ? link->client_ns : -1;
  if (auto error = private_resolv_conf(scratch.path(), addresses.dns)) {
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
  // As on the Internet: every policy host has its own certificate (nginx picks it by SNI), and
  // the domains share one MX host, as the customers of a mail provider do; certificates are
  // valid for a year, so no expiry warning adds evidence to every domain.
  constexpr std::chrono::seconds k_year{std::chrono::hours(24 * 365)};
  testworld::CertificateRequest mx_request{k_mx_host, {k_mx_host}, {}};
  mx_request.valid_until = k_year;
  auto mx_files = ca->issue("mx-host", mx_request);
  if (!mx_files) {
    fmt::print(stderr, "bench_check: {}\n", mx_files.error());
    return 1;
  }

  std::vector<testworld::Zone> zones;
  std::vector<testworld::PolicySite> sites;
  std::string domain_list;
  for (int i = 0; i < count; ++i) {
    const auto domain = domain_name(i);
    domain_list += domain + "\n";
    testworld::CertificateRequest policy_request{"mta-sts." + domain, {"mta-sts." + domain}, {}};
    policy_request.valid_until = k_year;
    auto policy_files = ca->issue("policy-" + domain, policy_request);
    if (!policy_files) {
      fmt::print(stderr, "bench_check: {}\n", policy_files.error());
      return 1;
    }
    testworld::Zone zone;
    zone.origin = domain;
    zone.records = {
        "_mta-sts IN TXT \"v=STSv1; id=20261123T000000Z\"",
        fmt::format("mta-sts IN A {}", addresses.policy),
        fmt::format("@ IN MX 10 {}.", k_mx_host),
        fmt::format("_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{}\"", domain),
    };
    zones.push_back(std::move(zone));
    testworld::PolicySite site;
    site.host = "mta-sts." + domain;
    site.address = addresses.policy;
    site.certificate = policy_files->certificate;
    site.key = policy_files->key;
    site.body =
        fmt::format("version: STSv1\r\nmode: enforce\r\nmx: {}\r\nmax_age: 604800\r\n", k_mx_host);
    sites.push_back(std::move(site));
  }
  testworld::Zone provider;
  provider.origin = k_mx_zone;
  provider.records = {fmt::format("mx IN A {}", addresses.mx)};
  zones.push_back(std::move(provider));
  const auto domains_file = scratch.path() / "domains.txt";
  write_file(domains_file, domain_list);

  auto nsd = testworld::Nsd::start(scratch.path() / "dns", zones, addresses.dns);
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
  smtp_options.address = addresses.mx;
  smtp_options.behaviour = testworld::SmtpBehaviour::good;
  smtp_options.certificate = mx_files->certificate;
  smtp_options.key = mx_files->key;
  auto receiver = testworld::SmtpReceiver::start(smtp_options);
  if (!receiver) {
    fmt::print(stderr, "bench_check: SMTP receiver: {}\n", receiver.error());
    return 1;
  }
  fmt::print(
      "world ready in {:.1f} s (NSD {} zones on {}, nginx {} sites with one certificate "
      "each on {}, every domain's MX {} on {}:25)\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_started).count(),
      count + 1, addresses.dns, count, addresses.policy, k_mx_host, addresses.mx);
  if (link) {
    fmt::print("clients behind bench/delaylink: {} ms round trip ({} ms each way, {} mode)\n",
               rtt_ms, rtt_ms / 2, link->mode);
  } else {
    fmt::print("clients on loopback (no added delay)\n");
  }
  fmt::print("\n");

  const std::string ca_file = ca->ca_file().string();
  const std::vector<std::string> check_base = {mtasts,        "check",     "--json", "--dns-server",
                                               addresses.dns, "--ca-file", ca_file};
  int failures = 0;

  // One domain first (three runs, median), so the bulk runs do not warm anything for it.
  std::vector<double> single_times;
  CheckSummary single_summary;
  for (int run = 0; run < 3; ++run) {
    auto argv_single = check_base;
    argv_single.push_back(domain_name(0));
    const auto single =
        run_timed(argv_single, scratch.path(), fmt::format("single{}", run), client_ns);
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

  auto with_file = check_base;
  with_file.insert(with_file.end(), {"--file", domains_file.string()});
  auto policy_only_check = with_file;
  policy_only_check.push_back("--no-smtp");
  const std::vector<std::string> node = {
      "env",        "NODE_EXTRA_CA_CERTS=" + ca_file, "node", script, domains_file.string(),
      addresses.dns};
  const std::vector<Tool> tools = {
      {"mtasts check (SMTP probing on)", ToolKind::mtasts, with_file},
      {"mtasts check --no-smtp", ToolKind::mtasts, policy_only_check},
      {"mailauth getPolicy (policy-only)", ToolKind::mailauth, node, true},
      {"mailauth getPolicy + validateMx", ToolKind::mailauth, node},
  };
  // Rounds: every tool at every concurrency once per round, so drift of the machine spreads over
  // all of them; per (tool, concurrency) the median of the rounds counts.
  std::vector<std::vector<std::vector<Measurement>>> measured(
      tools.size(), std::vector<std::vector<Measurement>>(concurrencies.size()));
  for (int round = 1; round <= runs; ++round) {
    for (std::size_t t = 0; t < tools.size(); ++t) {
      fmt::print("\nround {} of {}: {}, {} domains:\n", round, runs, tools[t].label, count);
      for (std::size_t c = 0; c < concurrencies.size(); ++c) {
        auto measurement = measure(tools[t], concurrencies[c], count, scratch.path(), client_ns);
        fmt::print("  concurrency {:>4}: {:7.3f} s, {:6.1f} domains/s, client CPU {:.2f} s; {}{}\n",
                   concurrencies[c], measurement.run.seconds, count / measurement.run.seconds,
                   measurement.run.cpu_seconds, measurement.detail,
                   measurement.valid ? "" : "  <- FAILED");
        if (!measurement.valid) {
          ++failures;
          continue;
        }
        measured[t][c].push_back(std::move(measurement));
      }
    }
  }
  fmt::print("\nSMTP receiver accepted {} connections\n", receiver->connections());

  // Per tool: the median round at each concurrency; the best of those medians.
  std::vector<Measurement> best(tools.size());
  fmt::print("\nmedian of {} round(s) [min..max] seconds:\n", runs);
  for (std::size_t t = 0; t < tools.size(); ++t) {
    fmt::print("  {}:", tools[t].label);
    for (std::size_t c = 0; c < concurrencies.size(); ++c) {
      auto& rounds = measured[t][c];
      if (rounds.empty()) {
        fmt::print(" c={} failed;", concurrencies[c]);
        continue;
      }
      std::ranges::sort(rounds, {}, [](const Measurement& m) { return m.run.seconds; });
      const auto& median = rounds[(rounds.size() - 1) / 2];
      fmt::print(" c={} {:.3f} [{:.3f}..{:.3f}];", concurrencies[c], median.run.seconds,
                 rounds.front().run.seconds, rounds.back().run.seconds);
      if (!best[t].valid || median.run.seconds < best[t].run.seconds) {
        best[t] = median;
      }
    }
    fmt::print("\n");
  }

  fmt::print("\n{} round trip{}; each tool at its best concurrency of {} (median of {} "
             "round(s)):\n\n",
             rtt_ms > 0 ? fmt::format("{} ms", rtt_ms) : std::string("loopback, no added"),
             link ? fmt::format(" ({})", link->mode) : std::string(), concurrency_text, runs);
  fmt::print("| tool | domains | best concurrency | seconds | domains/s | client CPU s |\n"
             "|---|---:|---:|---:|---:|---:|\n");
  fmt::print("| mtasts check (1 domain, median of 3) | 1 | - | {:.3f} | {:.1f} | - |\n",
             single_seconds, 1.0 / single_seconds);
  for (std::size_t t = 0; t < tools.size(); ++t) {
    if (!best[t].valid) {
      fmt::print("| {} | {} | - | failed | - | - |\n", tools[t].label, count);
      continue;
    }
    fmt::print("| {} | {} | {} | {:.3f} | {:.1f} | {:.2f} |\n", tools[t].label, count,
               best[t].concurrency, best[t].run.seconds, count / best[t].run.seconds,
               best[t].run.cpu_seconds);
  }
  const auto ratio = [&](std::size_t peer, std::size_t ours, const char* what) {
    if (!best[peer].valid || !best[ours].valid) {
      return;
    }
    fmt::print("ratio {} / {}: {:.2f}x (wall clock, process start to exit; > 1: mtasts faster; "
               "{:.2f}x against mailauth's in-script time){}\n",
               tools[peer].label, tools[ours].label,
               best[peer].run.seconds / best[ours].run.seconds,
               best[peer].inner_seconds / best[ours].run.seconds, what);
  };
  fmt::print("\n");
  ratio(2, 0, "");
  ratio(2, 1, "");
  ratio(3, 0, " (the issue-3 pairing)");
  if (best[0].valid) {
    fmt::print("{} domains took {:.1f}x one domain (mtasts, concurrency {})\n", count,
               best[0].run.seconds / single_seconds, best[0].concurrency);
  }
  fmt::print("note: mailauth does not probe SMTP/STARTTLS; `mtasts check` does strictly more work "
             "per domain (every address of the policy host, policy lint in both profiles, the "
             "TLSRPT record, and without --no-smtp a STARTTLS probe of every MX address).\n");
  fmt::print("servers' side kernel counters over the whole run: {}\n", drop_counters());
  if (link) {
    close(link->client_ns);
    link->process.stop();
    fmt::print("{}", read_file(scratch.path() / "delaylink.log"));
  }
  return failures == 0 ? 0 : 1;
}
