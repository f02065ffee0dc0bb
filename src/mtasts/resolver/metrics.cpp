#include <mtasts/resolver/metrics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace mtasts::resolver {

void Metrics::count_lookup(std::string_view answer, std::string_view reason,
                           std::chrono::nanoseconds latency)
{
  // Find before insert: the hot path must not build strings for a series that exists.
  bool found = false;
  for (auto& [key, value] : m_lookups) {
    if (key.first == answer && key.second == reason) {
      ++value;
      found = true;
      break;
    }
  }
  if (!found) {
    m_lookups[{std::string(answer), std::string(reason)}] = 1;
  }
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(k_latency_buckets.begin(), k_latency_buckets.end(), seconds) -
      k_latency_buckets.begin());
  ++m_latency_counts[bucket];
  m_latency_sum += seconds;
  ++m_latency_count;
}

std::string Metrics::render(const Gauges& gauges) const
{
  std::string out;
  auto add = std::back_inserter(out);
  fmt::format_to(add,
                 "# HELP mtasts_resolver_build_info The running build (value 1).\n"
                 "# TYPE mtasts_resolver_build_info gauge\n"
                 "mtasts_resolver_build_info{{version=\"{}\"}} 1\n",
                 gauges.version);
  fmt::format_to(add, "# HELP mtasts_resolver_lookups_total Socketmap lookups answered, by "
                      "answer and reason.\n# TYPE mtasts_resolver_lookups_total counter\n");
  for (const auto& [key, value] : m_lookups) {
    fmt::format_to(add, "mtasts_resolver_lookups_total{{answer=\"{}\",reason=\"{}\"}} {}\n",
                   key.first, key.second, value);
  }
  fmt::format_to(add, "# HELP mtasts_resolver_cache_total Lookups answered from memory (hit), "
                      "from a cached negative result (negative) or after a resolution (miss).\n"
                      "# TYPE mtasts_resolver_cache_total counter\n");
  constexpr std::array<std::string_view, 3> cache_names{"hit", "negative", "miss"};
  for (std::size_t i = 0; i < cache_names.size(); ++i) {
    fmt::format_to(add, "mtasts_resolver_cache_total{{result=\"{}\"}} {}\n", cache_names[i],
                   m_cache[i]);
  }
  fmt::format_to(add, "# HELP mtasts_resolver_fetches_total HTTPS policy fetches, by outcome "
                      "(ok or the RFC 8460 result type).\n"
                      "# TYPE mtasts_resolver_fetches_total counter\n");
  for (const auto& [key, value] : m_fetches) {
    fmt::format_to(add, "mtasts_resolver_fetches_total{{outcome=\"{}\"}} {}\n", key, value);
  }
  fmt::format_to(add, "# HELP mtasts_resolver_refreshes_total Background rediscoveries, by "
                      "outcome.\n# TYPE mtasts_resolver_refreshes_total counter\n");
  for (const auto& [key, value] : m_refreshes) {
    fmt::format_to(add, "mtasts_resolver_refreshes_total{{outcome=\"{}\"}} {}\n", key, value);
  }
  fmt::format_to(add, "# HELP mtasts_resolver_testing_observations_total MX hosts of testing-mode "
                      "policies observed as under enforce, by outcome (pass, would-fail, "
                      "transient).\n# TYPE mtasts_resolver_testing_observations_total counter\n");
  for (const auto& [key, value] : m_observations) {
    fmt::format_to(add, "mtasts_resolver_testing_observations_total{{outcome=\"{}\"}} {}\n", key,
                   value);
  }
  fmt::format_to(add, "# HELP mtasts_resolver_lookup_seconds Time from request to reply.\n"
                      "# TYPE mtasts_resolver_lookup_seconds histogram\n");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < k_latency_buckets.size(); ++i) {
    cumulative += m_latency_counts[i];
    fmt::format_to(add, "mtasts_resolver_lookup_seconds_bucket{{le=\"{}\"}} {}\n",
                   k_latency_buckets[i], cumulative);
  }
  cumulative += m_latency_counts.back();
  fmt::format_to(add, "mtasts_resolver_lookup_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  fmt::format_to(add, "mtasts_resolver_lookup_seconds_sum {}\n", m_latency_sum);
  fmt::format_to(add, "mtasts_resolver_lookup_seconds_count {}\n", m_latency_count);
  fmt::format_to(
      add,
      "# HELP mtasts_resolver_protocol_errors_total Socketmap requests that were not netstrings "
      "of \"name key\" (the connection is closed).\n"
      "# TYPE mtasts_resolver_protocol_errors_total counter\n"
      "mtasts_resolver_protocol_errors_total {}\n"
      "# HELP mtasts_resolver_connections_total Socketmap connections accepted.\n"
      "# TYPE mtasts_resolver_connections_total counter\n"
      "mtasts_resolver_connections_total {}\n"
      "# HELP mtasts_resolver_connections_refused_total Socketmap connections closed at once "
      "because max_connections were open.\n"
      "# TYPE mtasts_resolver_connections_refused_total counter\n"
      "mtasts_resolver_connections_refused_total {}\n"
      "# HELP mtasts_resolver_connections_open Socketmap connections open now.\n"
      "# TYPE mtasts_resolver_connections_open gauge\n"
      "mtasts_resolver_connections_open {}\n"
      "# HELP mtasts_resolver_domains Domains the resolver holds state for.\n"
      "# TYPE mtasts_resolver_domains gauge\nmtasts_resolver_domains {}\n"
      "# HELP mtasts_resolver_policies Valid policies cached in memory.\n"
      "# TYPE mtasts_resolver_policies gauge\nmtasts_resolver_policies {}\n"
      "# HELP mtasts_resolver_resolutions_in_flight Domains being resolved now.\n"
      "# TYPE mtasts_resolver_resolutions_in_flight gauge\n"
      "mtasts_resolver_resolutions_in_flight {}\n"
      "# HELP mtasts_resolver_dnssec_validating 1 when DNS answers are DNSSEC-validated (needed "
      "to recognise DANE), 0 when not.\n"
      "# TYPE mtasts_resolver_dnssec_validating gauge\n"
      "mtasts_resolver_dnssec_validating {}\n",
      m_protocol_errors, m_connections_total, m_connections_refused, m_connections_open,
      gauges.domains, gauges.policies, gauges.in_flight, gauges.dnssec_validating ? 1 : 0);
  return out;
}

} // namespace mtasts::resolver
