// Parser throughput: policy (both profiles), TXT record sets, MX matching, TLSRPT reports (JSON
// and gzip). Inputs are the files in bench/data, the same ones bench/run-parsers.sh feeds to
// mailauth. Run: build/release/bench/bench_parsers
#include <mtasts/core/mx_pattern.hpp>
#include <mtasts/core/policy.hpp>
#include <mtasts/core/sts_record.hpp>
#include <mtasts/core/tlsrpt_record.hpp>
#include <mtasts/core/tlsrpt_report.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace {

std::string load(const char* name)
{
  const std::string path = std::string(MTASTS_BENCH_DATA_DIR) + "/" + name;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void policy_parse(benchmark::State& state, mtasts::core::Profile profile)
{
  const auto body = load("policy.txt");
  for (auto _ : state) {
    auto result = mtasts::core::parse_policy(body, profile);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK_CAPTURE(policy_parse, strict, mtasts::core::Profile::strict);
BENCHMARK_CAPTURE(policy_parse, compatible, mtasts::core::Profile::compatible);

void sts_record_select(benchmark::State& state)
{
  const std::array<std::string, 2> records = {"v=STSv1; id=20160831085700Z;", "v=spf1 -all"};
  for (auto _ : state) {
    auto result = mtasts::core::select_sts_record(records, mtasts::core::Profile::compatible);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(sts_record_select);

void tlsrpt_record_select(benchmark::State& state)
{
  const std::array<std::string, 1> records = {
      "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1/tlsrpt"};
  for (auto _ : state) {
    auto result = mtasts::core::select_tlsrpt_record(records, mtasts::core::Profile::compatible);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(tlsrpt_record_select);

void mx_match(benchmark::State& state)
{
  const auto policy = mtasts::core::parse_policy(load("policy.txt"), mtasts::core::Profile::strict);
  const std::array<const char*, 3> hosts = {"mail.example.com", "mx2.example.net",
                                            "a.b.example.net"};
  for (auto _ : state) {
    for (const char* host : hosts) {
      auto normalized = mtasts::core::normalize_host(host);
      benchmark::DoNotOptimize(mtasts::core::find_matching_pattern(policy.value->mx, *normalized));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(hosts.size()));
}
BENCHMARK(mx_match);

void report_parse(benchmark::State& state, const char* file)
{
  const auto bytes = load(file);
  for (auto _ : state) {
    auto result = mtasts::core::parse_report(bytes);
    if (!result.ok()) {
      state.SkipWithError("report did not parse");
      return;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK_CAPTURE(report_parse, small_json, "report.json");
BENCHMARK_CAPTURE(report_parse, small_gzip, "report.json.gz");
BENCHMARK_CAPTURE(report_parse, large_json, "large-report.json");
BENCHMARK_CAPTURE(report_parse, large_gzip, "large-report.json.gz");

} // namespace

BENCHMARK_MAIN();
