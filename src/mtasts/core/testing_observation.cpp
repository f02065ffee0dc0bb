#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/testing_observation.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mtasts::core {

std::string_view outcome_name(ObservationOutcome outcome)
{
  switch (outcome) {
  case ObservationOutcome::pass:
    return "pass";
  case ObservationOutcome::would_fail:
    return "would-fail";
  case ObservationOutcome::transient:
    return "transient";
  }
  return "transient";
}

std::optional<ObservationOutcome> parse_outcome(std::string_view name)
{
  for (const auto outcome :
       {ObservationOutcome::pass, ObservationOutcome::would_fail, ObservationOutcome::transient}) {
    if (outcome_name(outcome) == name) {
      return outcome;
    }
  }
  return std::nullopt;
}

std::optional<MxObservation> unlisted_mx(const Policy& policy, std::string_view mx_host)
{
  if (find_matching_pattern(policy.mx, mx_host) != nullptr) {
    return std::nullopt;
  }
  std::vector<std::string_view> patterns;
  patterns.reserve(policy.mx.size());
  for (const auto& pattern : policy.mx) {
    patterns.push_back(pattern.text);
  }
  return MxObservation{
      std::string(mx_host),
      {},
      ObservationOutcome::would_fail,
      k_unlisted_mx_result_type,
      fmt::format("MX host {} matches no mx pattern of the policy ({}); RFC 8461 §4.1", mx_host,
                  fmt::join(patterns, ", "))};
}

MxObservation observation_from_probes(std::string_view mx_host,
                                      std::span<const ProbeSummary> probes,
                                      std::string_view no_address_detail)
{
  MxObservation observation{
      std::string(mx_host), {}, ObservationOutcome::transient, {}, std::string(no_address_detail)};
  for (const auto& probe : probes) {
    observation.address = probe.address;
    observation.detail = probe.detail;
    if (probe.result_type) {
      observation.outcome = ObservationOutcome::would_fail;
      observation.result_type = probe.result_type;
      return observation;
    }
    if (probe.verified) {
      observation.outcome = ObservationOutcome::pass;
      observation.detail.clear();
      return observation;
    }
  }
  return observation;
}

bool observation_due(const DomainState& state, std::string_view observed_id,
                     TimePoint observe_after, TimePoint now)
{
  if (!state.cached || !state.cached->valid_at(now) ||
      state.cached->policy.mode != PolicyMode::testing) {
    return false;
  }
  return state.cached->id != observed_id || now >= observe_after;
}

std::string would_fail_message(std::string_view domain, const MxObservation& observation)
{
  const std::string where = observation.address.empty()
                                ? observation.mx_host
                                : fmt::format("{} ({})", observation.mx_host, observation.address);
  return fmt::format("{}: mode testing: under enforce, delivery to {} would fail: {}: {}", domain,
                     where,
                     observation.result_type ? result_type_name(*observation.result_type)
                                             : std::string_view("unknown"),
                     observation.detail);
}

} // namespace mtasts::core
