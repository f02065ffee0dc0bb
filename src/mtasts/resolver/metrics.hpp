// The resolver's Prometheus metrics (text exposition format 0.0.4), kept on the event loop's
// thread: plain counters, no atomics, no locks. Label values come from closed sets (answer kinds,
// core::Answer reasons, RFC 8460 result types), so series stay bounded.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mtasts::resolver {

class Metrics
{
public:
  // Lookup latency buckets, seconds (upper bounds; +Inf implied).
  static constexpr std::array<double, 14> k_latency_buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30};

  void count_lookup(std::string_view answer, std::string_view reason,
                    std::chrono::nanoseconds latency);
  enum class Cache : std::uint8_t { hit, negative, miss };
  void count_cache(Cache result) { ++m_cache[static_cast<std::size_t>(result)]; }
  void count_fetch(std::string_view outcome) { ++m_fetches[std::string(outcome)]; }
  void count_refresh(std::string_view outcome) { ++m_refreshes[std::string(outcome)]; }
  // One MX host of a testing policy observed as under enforce: "pass", "would-fail" or
  // "transient" (core::outcome_name).
  void count_observation(std::string_view outcome) { ++m_observations[std::string(outcome)]; }
  void count_protocol_error() { ++m_protocol_errors; }
  void connection_opened() { ++m_connections_total, ++m_connections_open; }
  void connection_closed() { --m_connections_open; }
  void connection_refused() { ++m_connections_refused; }

  // Values read from elsewhere at rendering time.
  struct Gauges
  {
    std::string_view version;
    std::size_t domains = 0;
    std::size_t policies = 0;
    std::size_t in_flight = 0;
    bool dnssec_validating = false;
  };
  // The whole exposition: every family with HELP and TYPE.
  std::string render(const Gauges& gauges) const;

private:
  std::map<std::pair<std::string, std::string>, std::uint64_t> m_lookups;
  std::array<std::uint64_t, 3> m_cache{};
  std::map<std::string, std::uint64_t> m_fetches;
  std::map<std::string, std::uint64_t> m_refreshes;
  std::map<std::string, std::uint64_t> m_observations;
  std::array<std::uint64_t, k_latency_buckets.size() + 1> m_latency_counts{};
  double m_latency_sum = 0;
  std::uint64_t m_latency_count = 0;
  std::uint64_t m_protocol_errors = 0;
  std::uint64_t m_connections_total = 0;
  std::int64_t m_connections_open = 0;
  std::uint64_t m_connections_refused = 0;
};

} // namespace mtasts::resolver
