#!/usr/bin/env bash
# Parser benchmark, side by side with mailauth (npm) on the same inputs (bench/data), in one run.
# Builds the release preset, installs mailauth into bench/mailauth/node_modules (not committed),
# runs both and prints ns/op and the ratio (mailauth / mtasts; > 1 means mtasts is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target bench_parsers >/dev/null
(cd bench/mailauth && [ -d node_modules/mailauth ] || npm install --silent --no-audit --no-fund >/dev/null)

ours=$(mktemp)
trap 'rm -f "$ours"' EXIT
build/release/bench/bench_parsers --benchmark_format=json --benchmark_min_time=1 >"$ours"
peer=$(node bench/mailauth/bench.js)
node - "$ours" "$peer" <<'JS'
const fs = require('fs');
const ours = JSON.parse(fs.readFileSync(process.argv[2]));
const peer = JSON.parse(process.argv[3]);
const ns = {};
for (const b of ours.benchmarks) {
  const key = b.name.replace(/\//g, '_');
  ns[key] = { time: b.real_time * ({ ns: 1, us: 1e3, ms: 1e6 }[b.time_unit]), mbps: b.bytes_per_second };
}
const rows = [
  ['policy parse (strict)', 'policy_parse_strict', 'policy_parse_strict'],
  ['policy parse (compatible)', 'policy_parse_compatible', 'policy_parse_compatible'],
  ['MX match (per host)', 'mx_match', 'mx_match'],
  ['report small JSON', 'report_parse_small_json', 'report_parse_small_json'],
  ['report small gzip', 'report_parse_small_gzip', 'report_parse_small_gzip'],
  ['report large JSON', 'report_parse_large_json', 'report_parse_large_json'],
  ['report large gzip', 'report_parse_large_gzip', 'report_parse_large_gzip'],
];
console.log('| input | mtasts ns/op | mtasts MB/s | mailauth/node ns/op | ratio |');
console.log('|---|---:|---:|---:|---:|');
for (const [label, mine, theirs] of rows) {
  const m = ns[mine];
  let t = m.time;
  if (mine === 'mx_match') t = t / 3;
  const mbps = m.mbps ? (m.mbps / 1e6).toFixed(1) : '-';
  console.log(`| ${label} | ${t.toFixed(0)} | ${mbps} | ${peer[theirs].toFixed(0)} | ${(peer[theirs] / t).toFixed(2)}x |`);
}
console.log('\nmailauth rows: parsePolicy / validateMx (mailauth ' + require('./bench/mailauth/node_modules/mailauth/package.json').version +
            '); report rows: mailauth has no TLSRPT parser, so the baseline is Node JSON.parse (+ zlib.gunzipSync), which validates nothing.');
for (const b of ours.benchmarks.filter(b => !b.name.startsWith('policy') && !b.name.startsWith('report') && b.name !== 'mx_match')) {
  console.log(`mtasts ${b.name}: ${(b.real_time * ({ ns: 1, us: 1e3, ms: 1e6 }[b.time_unit])).toFixed(0)} ns/op`);
}
JS
