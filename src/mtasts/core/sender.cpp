#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/sender.hpp>
#include <mtasts/core/sts_record.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mtasts::core {

std::string_view dnssec_status_name(DnssecStatus status)
{
  switch (status) {
  case DnssecStatus::insecure:
    return "insecure";
  case DnssecStatus::secure:
    return "secure";
  case DnssecStatus::bogus:
    return "bogus";
  }
  return "insecure";
}

Discovery discover_sts(const TxtAnswer& answer)
{
  Discovery discovery;
  discovery.ttl = Seconds(answer.ttl);
  if (!answer.failure.empty()) {
    discovery.kind = DiscoveryKind::dns_failure;
    discovery.failure = answer.dnssec == DnssecStatus::bogus ? ResultType::dnssec_invalid
                                                             : ResultType::sts_policy_fetch_error;
    discovery.detail = fmt::format("{} TXT: {}", answer.name, answer.failure);
    return discovery;
  }
  const auto selected = select_sts_record(answer.records, Profile::compatible);
  if (selected.ok()) {
    discovery.kind = DiscoveryKind::record;
    discovery.id = selected.value->id;
    return discovery;
  }
  const auto first_error = std::ranges::find_if(
      selected.diagnostics, [](const Diagnostic& d) { return d.severity == Severity::error; });
  const bool candidates =
      first_error != selected.diagnostics.end() && first_error->code != "no-record";
  discovery.kind = candidates ? DiscoveryKind::unusable : DiscoveryKind::no_record;
  if (candidates) {
    discovery.detail =
        fmt::format("{}: {}: {}", answer.name, first_error->code, first_error->message);
  } else {
    discovery.detail =
        fmt::format("{}{}", answer.name, answer.nxdomain ? " does not exist" : ": no record");
  }
  return discovery;
}

std::string_view fetch_failure_name(FetchFailure failure)
{
  switch (failure) {
  case FetchFailure::none:
    return "none";
  case FetchFailure::connect:
    return "connect";
  case FetchFailure::timeout:
    return "timeout";
  case FetchFailure::tls_handshake:
    return "tls-handshake";
  case FetchFailure::certificate:
    return "certificate";
  case FetchFailure::http_protocol:
    return "http-protocol";
  case FetchFailure::redirect:
    return "redirect";
  case FetchFailure::http_status:
    return "http-status";
  case FetchFailure::content_type:
    return "content-type";
  case FetchFailure::too_large:
    return "too-large";
  }
  return "none";
}

std::optional<ResultType> fetch_result_type(FetchFailure failure)
{
  switch (failure) {
  case FetchFailure::none:
    return std::nullopt;
  case FetchFailure::certificate:
    return ResultType::sts_webpki_invalid;
  case FetchFailure::content_type:
    return ResultType::sts_policy_invalid;
  case FetchFailure::connect:
  case FetchFailure::timeout:
  case FetchFailure::tls_handshake:
  case FetchFailure::http_protocol:
  case FetchFailure::redirect:
  case FetchFailure::http_status:
  case FetchFailure::too_large:
    break;
  }
  return ResultType::sts_policy_fetch_error;
}

bool fetch_moves_on(FetchFailure failure)
{
  return failure == FetchFailure::connect || failure == FetchFailure::timeout;
}

std::optional<std::size_t> deciding_attempt(std::span<const FetchAttempt> attempts)
{
  if (attempts.empty()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    if (!fetch_moves_on(attempts[i].failure)) {
      return i;
    }
  }
  return attempts.size() - 1;
}

FetchOutcome fetch_outcome(std::span<const FetchAttempt> attempts,
                           std::string_view no_address_detail)
{
  FetchOutcome outcome;
  const auto index = deciding_attempt(attempts);
  if (!index) {
    outcome.result_type = ResultType::sts_policy_fetch_error;
    outcome.detail = std::string(no_address_detail);
    return outcome;
  }
  const FetchAttempt& attempt = attempts[*index];
  if (attempt.failure != FetchFailure::none) {
    outcome.result_type = fetch_result_type(attempt.failure);
    outcome.detail = fmt::format("{} ({}): {}", attempt.url, attempt.address, attempt.detail);
    return outcome;
  }
  auto parsed = parse_policy(attempt.body, Profile::compatible);
  if (!parsed.ok()) {
    // No value means at least one error-severity diagnostic (Checked): name the first.
    const auto& error = *std::ranges::find_if(
        parsed.diagnostics, [](const Diagnostic& d) { return d.severity == Severity::error; });
    outcome.result_type = ResultType::sts_policy_invalid;
    outcome.detail = fmt::format("{}: line {}: {}: {}", attempt.url, error.where.line, error.code,
                                 error.message);
    return outcome;
  }
  outcome.policy = std::move(*parsed.value);
  outcome.policy_text = attempt.body;
  return outcome;
}

MxTargets mx_targets(std::string_view domain, std::span<const MxExchange> records,
                     std::size_t limit)
{
  MxTargets targets;
  if (records.empty()) {
    targets.implicit = true;
    if (auto normalized = normalize_host(domain)) {
      targets.hosts.push_back(std::move(*normalized));
    }
    return targets;
  }
  std::vector<const MxExchange*> ordered;
  for (const auto& record : records) {
    if (!record.exchange.empty() && record.exchange != ".") {
      ordered.push_back(&record);
    }
  }
  targets.null_mx = ordered.empty();
  std::ranges::stable_sort(ordered, {}, &MxExchange::preference);
  for (const MxExchange* record : ordered) {
    auto normalized = normalize_host(record->exchange);
    if (!normalized || std::ranges::find(targets.hosts, *normalized) != targets.hosts.end()) {
      continue;
    }
    if (targets.hosts.size() >= limit) {
      ++targets.omitted;
      continue;
    }
    targets.hosts.push_back(std::move(*normalized));
  }
  return targets;
}

bool dane_applies(DnssecStatus mx_rrset, const TlsaAnswer& tlsa)
{
  return mx_rrset == DnssecStatus::secure && tlsa.failure.empty() &&
         tlsa.dnssec == DnssecStatus::secure && tlsa.records > 0;
}

DaneCoverage dane_coverage(const MxAnswer& mx, std::span<const TlsaAnswer> tlsa)
{
  if (!mx.failure.empty()) {
    return DaneCoverage::unknown;
  }
  if (mx.dnssec != DnssecStatus::secure || tlsa.empty()) {
    return DaneCoverage::none; // RFC 7672 §2.2.1: insecure MX RRset; or a null MX
  }
  std::size_t covered = 0;
  for (const auto& answer : tlsa) {
    if (!answer.failure.empty()) {
      return DaneCoverage::unknown;
    }
    covered += dane_applies(mx.dnssec, answer) ? 1U : 0U;
  }
  return covered == 0             ? DaneCoverage::none
         : covered == tlsa.size() ? DaneCoverage::all
                                  : DaneCoverage::partial;
}

void after_dane_look(DomainState& state, DaneCoverage looked_up)
{
  if (looked_up != DaneCoverage::unknown) {
    state.dane = looked_up;
  } else if (state.dane == DaneCoverage::unknown) {
    state.dane = DaneCoverage::none; // never known: MTA-STS alone decides
  }                                  // else: a failed look keeps the known coverage
}

SenderResolution::SenderResolution(DomainState state, const EngineSettings& settings,
                                   bool force_fetch, bool dane_lookups)
    : m_state(std::move(state)), m_settings(settings), m_force_fetch(force_fetch),
      m_dane_lookups(dane_lookups), m_had_policy(m_state.cached.has_value()),
      m_dane_before(m_state.dane)
{}

void SenderResolution::discovered(const Discovery& discovery, TimePoint now)
{
  m_discovery = discovery;
  const auto decision = after_discovery(m_state, discovery, now, m_settings, m_force_fetch);
  if (decision == FetchDecision::fetch) {
    m_step = SenderStep::fetch;
    return;
  }
  if (m_state.cached && m_state.cached->valid_at(now)) {
    m_applied = m_state.cached;
  }
  after_policy(now);
}

void SenderResolution::fetched(const FetchOutcome& outcome, TimePoint now)
{
  m_fetch = outcome;
  m_applied = after_fetch(m_state, m_discovery.id, outcome, now, m_settings);
  if (outcome.policy) {
    if (m_state.cached) {
      m_policy_changed = true;
    } else {
      m_applied_once = m_applied; // max_age 0: applied once, never cached
    }
  }
  after_policy(now);
}

void SenderResolution::after_policy(TimePoint now)
{
  const bool relevant = m_state.cached && m_state.cached->valid_at(now) &&
                        m_state.cached->policy.mode != PolicyMode::none;
  if (relevant && m_dane_lookups) {
    m_step = SenderStep::dane;
    return;
  }
  m_state.dane = DaneCoverage::none; // no policy applies, or DANE lookups are off
  m_step = SenderStep::done;
}

void SenderResolution::dane_known(DaneCoverage coverage)
{
  after_dane_look(m_state, coverage);
  m_step = SenderStep::done;
}

Answer SenderResolution::answer(std::string_view domain, TimePoint now,
                                const AnswerSettings& settings) const
{
  return decide_answer(domain, m_state, now, settings, m_applied_once ? &*m_applied_once : nullptr);
}

} // namespace mtasts::core
