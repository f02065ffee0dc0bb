#include <mtasts/check/checker.hpp>
#include <mtasts/check/findings.hpp>
#include <mtasts/check/gather.hpp>
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/net/concurrency.hpp>
#include <mtasts/net/tls.hpp>

#include <boost/json/array.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace mtasts::check {

namespace {

namespace json = boost::json;
using net::Awaitable;

Awaitable<void> check_worker(Checker& checker, const std::vector<std::string>& domains,
                             std::vector<DomainResult>& results, std::size_t& next)
{
  while (next < domains.size()) {
    const std::size_t index = next++;
    results[index] = co_await check_domain(checker, domains[index]);
    if (checker.options().on_result) {
      checker.options().on_result(index, results[index]);
    }
  }
}

} // namespace

bool DomainResult::ok() const
{
  return std::ranges::none_of(
      problems, [](const Problem& problem) { return problem.severity == Severity::error; });
}

json::object domain_result_to_json(const DomainResult& result)
{
  json::object object;
  object["domain"] = result.domain;
  if (result.mode) {
    object["mode"] = core::mode_name(*result.mode);
  } else {
    object["mode"] = nullptr;
  }
  object["ok"] = result.ok();
  json::array problems;
  for (const auto& problem : result.problems) {
    problems.push_back(problem_to_json(problem));
  }
  object["problems"] = std::move(problems);
  object["sender"] = result.sender ? json::value(sender_json(*result.sender)) : nullptr;
  return object;
}

Checker::Checker(net::asio::io_context& io, CheckOptions options,
                 std::unique_ptr<net::DnsResolver> dns, SSL_CTX* tls)
    : m_io(io), m_options(std::move(options)), m_dns(std::move(dns)), m_tls(tls)
{
  m_dnssec.validated = m_dns->validating();
  m_dnssec.detail =
      m_dnssec.validated ? "trust anchor " + m_dns->trust_anchor() : m_dns->not_validating_reason();
}

util::Expected<std::unique_ptr<Checker>, std::string> Checker::create(net::asio::io_context& io,
                                                                      CheckOptions options)
{
  // A one-shot run over many domains: up to ~6 lookups per domain in flight at once matter more
  // here than libunbound's memory (about 1 KB per query slot).
  options.dns.queries_in_flight =
      std::clamp<std::size_t>(options.concurrency * 6, net::k_default_queries_in_flight, 1024);
  auto dns = net::DnsResolver::create(io, options.dns);
  if (!dns) {
    return util::Unexpected(dns.error());
  }
  net::TlsClientOptions tls;
  tls.ca_file = options.ca_file;
  auto context = net::make_client_context(tls);
  if (!context) {
    return util::Unexpected(context.error());
  }
  if (options.now == std::chrono::sys_seconds{}) {
    options.now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  options.concurrency = std::max<std::size_t>(options.concurrency, 1);
  return std::unique_ptr<Checker>(
      new Checker(io, std::move(options), std::move(*dns), context->release()));
}

Awaitable<void> Checker::prepare_dnssec()
{
  const auto unprimed = co_await m_dns->probe_trust_anchor();
  if (!unprimed) {
    co_return;
  }
  auto plain = m_options.dns;
  plain.dnssec = net::DnssecMode::off;
  auto dns = net::DnsResolver::create(m_io, plain);
  if (dns) {
    m_dns = std::move(*dns);
    m_dnssec = DnssecState{false, *unprimed};
  }
}

Awaitable<DomainResult> check_domain(Checker& checker, std::string domain)
{
  DomainResult result;
  result.domain = domain;
  auto normalized = core::normalize_host(domain);
  if (!normalized) {
    add_problem(result.problems, core::check_code("domain-invalid"), true,
                fmt::format("\"{}\" is not a domain name: {}", domain, normalized.error()),
                json::object{{"domain", domain}});
    co_return result;
  }
  const auto evidence = co_await gather(checker, std::move(*normalized));
  const auto now = checker.options().now;
  auto analysis = analyse(evidence, now);
  if (analysis.policy) {
    result.mode = analysis.policy->mode;
  }
  result.problems = std::move(analysis.problems);
  result.sender = sender_view(evidence, now);
  co_return result;
}

Awaitable<std::vector<DomainResult>> check_domains(Checker& checker,
                                                   std::vector<std::string> domains)
{
  co_await checker.prepare_dnssec();
  std::vector<DomainResult> results(domains.size());
  std::size_t next = 0;
  const std::size_t workers = std::min(checker.options().concurrency, domains.size());
  std::vector<Awaitable<void>> tasks;
  for (std::size_t i = 0; i < workers; ++i) {
    tasks.push_back(check_worker(checker, domains, results, next));
  }
  co_await net::run_all(std::move(tasks));
  co_return results;
}

util::Expected<CheckRun, std::string> run_checks(const CheckOptions& options,
                                                 std::vector<std::string> domains)
{
  net::asio::io_context io;
  auto checker = Checker::create(io, options);
  if (!checker) {
    return util::Unexpected(checker.error());
  }
  CheckRun run;
  std::exception_ptr failure;
  net::asio::co_spawn(io, check_domains(**checker, std::move(domains)),
                      [&](std::exception_ptr error, std::vector<DomainResult> done) {
                        failure = error;
                        run.results = std::move(done);
                      });
  io.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  run.dnssec = (*checker)->dnssec();
  return run;
}

} // namespace mtasts::check
