#!/usr/bin/env bash
# Resolver benchmark, side by side in ONE run on loopback: `mtasts resolver` (SQLite cache, the
# default backend, and memory:), Debian's postfix-mta-sts-resolver (mta-sts-daemon with uvloop, in
# its fastest configuration, internal cache, and with its SQLite cache) and nullmap (a socketmap
# server that answers a fixed OK without any lookup: the floor of this machine). Same fixtures
# (NSD + nginx + test CA on 127.0.0.1), same load phases (smload), same CPU pinning, same RUNS.
# The harness is bench/resolver/run-peer.sh (see bench/resolver/README.md). Needs root (ports
# 53/443/18461 on 127.0.0.1 must be free, `unshare -m`); installs the Debian packages it needs.
# Then the latency phase (issue 9): the same fixtures behind bench/delaylink with RTT_MS (default
# 50) of added round-trip delay (netem in the namespace when the kernel has it, a TUN relay
# otherwise), the resolvers and the load generator on the far side, cold lookups at 1 and 32
# connections for the peer's two configurations and ours; ratio = ours / the peer's best.
# Usage: [BUILD_DIR=build/release] [RUNS=3] [WARM_SECS=8] [RESULTS_OUT=/prefix] [RTT_MS=50]
#        [RTT_RUNS=RUNS] [RTT_COLD_SERIAL=50] [LOOPBACK=1] bash bench/run-resolver.sh
# RTT_MS=0 skips the latency phase, LOOPBACK=0 the loopback one. Every other knob of the harness
# (N_DOMAINS, N_NOSTS, WARM_CONNS, ...) passes through.
# Prints the harness's own tables, then per test: each target's rps / p50 / p99 (median over RUNS
# [min..max]), ours-sqlite against nullmap and the peer, and peak RSS with its anonymous and
# file-backed parts, next to the floor (bench/resolver/floor.cpp: the memory the required shared
# libraries cost once loaded and initialised, before any work). Exits 1 if a server gave
# connection errors or wrong answers (enforce keys must get OK, non-STS keys NOTFOUND).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (the harness binds 127.0.0.1:53/443 and uses unshare -m)" >&2; exit 1; }
BUILD_DIR="${BUILD_DIR:-build/release}"
cmake --preset release -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" --target mtasts delaylink >/dev/null
MTASTS="$PWD/$BUILD_DIR/mtasts"
DELAYLINK="$PWD/$BUILD_DIR/bench/delaylink"
RTT_MS=${RTT_MS:-50}
status=0

if [ -n "${RESULTS_OUT:-}" ]; then
  out="$RESULTS_OUT"
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/resolverbench.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  out="$tmp/results"
fi

ours="$MTASTS resolver --listen 127.0.0.1:{PORT} --dns-server {DNS} --ca-file {CA} --admin-listen \"\" --log-level warn"
extra="ours-sqlite $ours --cache sqlite://{W}/cache.db
ours-memory $ours --cache memory:
nullmap {NULLMAP} {PORT}"

if [ "${LOOPBACK:-1}" != 0 ]; then
RESULTS_OUT="$out" LOOPS=uvloop CACHES="internal sqlite" EXTRA_TARGETS="$extra" \
  bash bench/resolver/run-peer.sh

# The floor: what loading and initialising the libraries alone costs (bench/resolver/floor.cpp),
# with a one-certificate CA file like the harness's test CA.
floor_dir=$(mktemp -d "${TMPDIR:-/tmp}/resolverfloor.XXXXXX")
g++ -std=c++20 -O2 bench/resolver/floor.cpp -o "$floor_dir/floor" -lssl -lcrypto -lunbound -lsqlite3
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=floor-ca -days 1 \
  -keyout "$floor_dir/ca.key" -out "$floor_dir/ca.pem" 2>/dev/null
"$floor_dir/floor" "$floor_dir/ca.pem" "$floor_dir/floor.db" | tee "$out.floor"
rm -rf "$floor_dir"

echo
echo "== resolver benchmark: median over ${RUNS:-3} run(s) [min..max]"
echo "   peer-internal = mta-sts-daemon, internal cache, uvloop; peer-sqlite = same with its sqlite cache"
echo "   ratios = ratio of the medians [lowest..highest over all run pairings: min/max..max/min]"
echo "   nullmap does no lookup: a target at ~100% of nullmap has reached this machine's floor (load"
echo "   generator + loopback TCP), and differences within that floor are noise, not server speed"
awk -F'\t' -v cold_conc="${COLD_CONC:-32}" -v warm_conns="${WARM_CONNS:-1 8 64}" '
function name(l) { return l == "internal/uvloop" ? "peer-internal" : l == "sqlite/uvloop" ? "peer-sqlite" : l }
function sorted(s, a,   m, i, j, t) {  # numeric sort of the space-separated list s into a[1..m]
  m = split(substr(s, 2), a, " ")
  for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return m
}
function med(s,   a, m) { m = sorted(s, a); return m ? a[int((m + 1) / 2)] : "" }
function lo(s,   a, m) { m = sorted(s, a); return m ? a[1] : "" }
function hi(s,   a, m) { m = sorted(s, a); return m ? a[m] : "" }
function span(s,   a, m) { m = sorted(s, a); return m ? sprintf("%s [%s..%s]", a[int((m + 1) / 2)], a[1], a[m]) : "-" }
function ratio(k1, k2) {
  if (!(k1 in rps) || !(k2 in rps) || med(rps[k2]) + 0 == 0 || lo(rps[k2]) + 0 == 0) return "-"
  return sprintf("%.2fx [%.2f..%.2f]", med(rps[k1]) / med(rps[k2]), lo(rps[k1]) / hi(rps[k2]), hi(rps[k1]) / lo(rps[k2]))
}
function pct(k1, k2) {
  if (!(k1 in rps) || !(k2 in rps) || med(rps[k2]) + 0 == 0 || lo(rps[k2]) + 0 == 0) return "-"
  return sprintf("%.0f%% [%.0f..%.0f]", 100 * med(rps[k1]) / med(rps[k2]), 100 * lo(rps[k1]) / hi(rps[k2]), 100 * hi(rps[k1]) / lo(rps[k2]))
}
FNR == 1 { file++; next }
file == 1 {
  k = $1 SUBSEP $3
  rps[k] = rps[k] " " $9; p50[k] = p50[k] " " $10; p99[k] = p99[k] " " $11; cpu[k] = cpu[k] " " $13
  rep[k] += $5; ok[k] += $6; nf[k] += $7; err[k] += $8
  if (!($1 in seen)) { seen[$1] = 1; targets[++nt] = $1 }
  # correctness: every enforce key (cold_c*, warm_*) must get OK, every non-STS key NOTFOUND
  # (nullmap answers OK to everything: its nosts row is not checked)
  bad = $8 + 0
  if ($3 ~ /^(cold_c[0-9]+|warm_c[0-9]+)$/) bad += $5 - $6
  else if ($3 ~ /^nosts/ && $1 != "nullmap") bad += $5 - $7
  if (bad > 0) { problems = problems sprintf("   %s %s run %s: %d replies, %d OK, %d NOTFOUND, %d connection errors\n", name($1), $3, $2, $5, $6, $7, $8) }
  next
}
file == 2 { pk[$1] = pk[$1] " " $5; st[$1] = st[$1] " " $3; an[$1] = an[$1] " " $6; fb[$1] = fb[$1] " " $7; next }
file == 3 { n = split($0, w, " +"); if (w[2] == "sqlite") for (f = 3; f <= n; f++) { split(w[f], kv, "="); floor[kv[1]] = kv[2] }; next }
END {
  nw = split(warm_conns, wc, " ")
  for (i = 1; i <= nw; i++) tests[++ntest] = "warm_c" wc[i]
  tests[++ntest] = "nosts_c8"; tests[++ntest] = "cold_c1"; tests[++ntest] = "cold_c" cold_conc; tests[++ntest] = "cold_testing"
  printf "\n%-13s %-14s %-26s %-24s %-24s %-11s %8s %8s %8s %6s\n", "test", "target", "rps", "p50 ms", "p99 ms", "cpu ms/1k", "replies", "OK", "NOTFOUND", "errors"
  for (t = 1; t <= ntest; t++) {
    for (i = 1; i <= nt; i++) {
      k = targets[i] SUBSEP tests[t]
      if (!(k in rps)) continue
      printf "%-13s %-14s %-26s %-24s %-24s %-11s %8d %8d %8d %6d\n", tests[t], name(targets[i]), span(rps[k]), span(p50[k]), span(p99[k]), med(cpu[k]), rep[k], ok[k], nf[k], err[k]
    }
  }
  printf "\n%-13s %-22s %-22s %-24s %-24s %-22s %-24s\n", "test", "ours-sqlite % nullmap", "ours-memory % nullmap", "ours-sqlite/peer-int", "ours-sqlite/peer-sqlite", "ours-memory/peer-int", "peer-internal % nullmap"
  for (t = 1; t <= ntest; t++) {
    T = tests[t]
    if (!(("ours-sqlite" SUBSEP T) in rps)) continue
    printf "%-13s %-22s %-22s %-24s %-24s %-22s %-24s\n", T, pct("ours-sqlite" SUBSEP T, "nullmap" SUBSEP T), pct("ours-memory" SUBSEP T, "nullmap" SUBSEP T),
      ratio("ours-sqlite" SUBSEP T, "internal/uvloop" SUBSEP T), ratio("ours-sqlite" SUBSEP T, "sqlite/uvloop" SUBSEP T),
      ratio("ours-memory" SUBSEP T, "internal/uvloop" SUBSEP T), pct("internal/uvloop" SUBSEP T, "nullmap" SUBSEP T)
  }
  printf "\n%-14s %-26s %-26s %-26s %-26s\n", "target", "peak RSS kB (VmHWM)", "RSS after start kB", "anonymous kB at end", "file-backed kB at end"
  for (i = 1; i <= nt; i++) printf "%-14s %-26s %-26s %-26s %-26s\n", name(targets[i]), span(pk[targets[i]]), span(st[targets[i]]), span(an[targets[i]]), span(fb[targets[i]])
  if ("hwm" in floor)
    printf "%-14s %-26s %-26s %-26s %-26s\n", "floor", floor["hwm"], "-", floor["anon"], floor["file"]
  print "   (floor = bench/resolver/floor.cpp: the shared libraries alone, loaded and initialised, no work;"
  print "    RSS never shrinks during a run, so the end figures are what the peak is made of)"
  split("ours-sqlite:sqlite/uvloop ours-sqlite:internal/uvloop ours-memory:internal/uvloop", pairs, " ")
  for (p = 1; p <= 3; p++) {
    split(pairs[p], ab, ":")
    if ((ab[1] in pk) && (ab[2] in pk) && med(pk[ab[2]]) + 0 > 0)
      printf "%s / %s: peak RSS %.2fx, anonymous %.2fx, file-backed %.2fx (medians)\n", ab[1], name(ab[2]),
        med(pk[ab[1]]) / med(pk[ab[2]]), med(an[ab[1]]) / med(an[ab[2]]), med(fb[ab[1]]) / med(fb[ab[2]])
  }
  if (("hwm" in floor) && ("internal/uvloop" in pk))
    printf "floor / peer-internal: peak RSS %.2fx (a quarter of the peer is %d kB; the libraries alone need %d kB)\n",
      floor["hwm"] / med(pk["internal/uvloop"]), med(pk["internal/uvloop"]) / 4, floor["hwm"]
  if (problems != "") { printf "\nWRONG ANSWERS OR ERRORS:\n%s", problems; exit 1 }
  print "\nall enforce lookups answered OK, all non-STS lookups NOTFOUND, no connection errors"
}' "$out.tsv" "$out.mem.tsv" "$out.floor" || status=1
fi

[ "$RTT_MS" != 0 ] || exit $status
# ---------------------------------------------------------------- latency phase
# A fresh network namespace holds the fixtures (nsd + nginx on 10.77.0.1); bench/delaylink links
# it to a client namespace (10.77.0.2) where the resolvers and smload run, every packet waiting
# RTT_MS/2 each way. The socketmap traffic (smload -> resolver) stays on the client side's
# loopback, as Postfix and its resolver share a host.
INSTALL_ONLY=1 bash bench/resolver/run-peer.sh # apt needs the network: before the namespace
echo
echo "=== latency phase: ${RTT_MS} ms round trip between the resolvers and DNS/HTTPS"
rtt_extra="ours-sqlite $ours --cache sqlite://{W}/cache.db
ours-memory $ours --cache memory:"
unshare -n -- env DELAYLINK="$DELAYLINK" RTT_MS="$RTT_MS" RTT_OUT="$out.rtt" \
  RTT_EXTRA="$rtt_extra" RTT_RUNS="${RTT_RUNS:-${RUNS:-3}}" \
  RTT_COLD_SERIAL="${RTT_COLD_SERIAL:-50}" bash -c '
set -euo pipefail
ip link set lo up
coproc LINK { exec "$DELAYLINK" -d $((RTT_MS / 2)); }
read -r word anchor mode <&"${LINK[0]}"
[ "$word" = ready ] || { echo "delaylink did not come up" >&2; exit 1; }
echo "   delaylink: $mode mode, client namespace /proc/$anchor/ns/net"
rc=0
FIXTURE_ADDR=10.77.0.1 CLIENT_NETNS=/proc/$anchor/ns/net PHASES=cold NO_INSTALL=1 \
  RUNS="$RTT_RUNS" N_COLD_SERIAL="$RTT_COLD_SERIAL" RESULTS_OUT="$RTT_OUT" \
  LOOPS=uvloop CACHES="internal sqlite" EXTRA_TARGETS="$RTT_EXTRA" \
  bash bench/resolver/run-peer.sh || rc=$?
kill "$LINK_PID" 2>/dev/null || true
wait "$LINK_PID" 2>/dev/null || true
exit $rc
' || status=1

echo
echo "== latency phase: cold lookups with ${RTT_MS} ms round trip, median over ${RTT_RUNS:-${RUNS:-3}} run(s) [min..max]"
awk -F'\t' -v rtt="$RTT_MS" -v cold_conc="${COLD_CONC:-32}" '
function name(l) { return l == "internal/uvloop" ? "peer-internal" : l == "sqlite/uvloop" ? "peer-sqlite" : l }
function sorted(s, a,   m, i, j, t) {
  m = split(substr(s, 2), a, " ")
  for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return m
}
function med(s,   a, m) { m = sorted(s, a); return m ? a[int((m + 1) / 2)] : "" }
function span(s,   a, m) { m = sorted(s, a); return m ? sprintf("%s [%s..%s]", a[int((m + 1) / 2)], a[1], a[m]) : "-" }
NR == 1 { next }
{
  k = $1 SUBSEP $3
  rps[k] = rps[k] " " $9; p50[k] = p50[k] " " $10; p99[k] = p99[k] " " $11
  if (!($1 in seen)) { seen[$1] = 1; targets[++nt] = $1 }
  bad = $8 + 0
  if ($3 ~ /^cold_c[0-9]+$/) bad += $5 - $6
  if (bad > 0) problems = problems sprintf("   %s %s run %s: %d replies, %d OK, %d connection errors\n", name($1), $3, $2, $5, $6, $8)
}
END {
  split("cold_c1 cold_c" cold_conc, tests, " ")
  printf "%-10s %-14s %-26s %-22s %-22s %s\n", "test", "target", "rps", "p50 ms", "p99 ms", "p50 in round trips"
  for (t = 1; t <= 2; t++) for (i = 1; i <= nt; i++) {
    k = targets[i] SUBSEP tests[t]
    if (!(k in rps)) continue
    printf "%-10s %-14s %-26s %-22s %-22s %.1f\n", tests[t], name(targets[i]), span(rps[k]), span(p50[k]), span(p99[k]), med(p50[k]) / rtt
  }
  for (t = 1; t <= 2; t++) {
    T = tests[t]; best = 0; bestname = ""
    split("internal/uvloop sqlite/uvloop", peers, " ")
    for (p = 1; p <= 2; p++) if (((peers[p] SUBSEP T) in rps) && med(rps[peers[p] SUBSEP T]) + 0 > best) { best = med(rps[peers[p] SUBSEP T]) + 0; bestname = name(peers[p]) }
    if (best == 0) continue
    for (o = 1; o <= 2; o++) {
      ours = o == 1 ? "ours-sqlite" : "ours-memory"
      if ((ours SUBSEP T) in rps) printf "%s: %s / the peer'"'"'s best (%s) = %.2fx\n", T, ours, bestname, med(rps[ours SUBSEP T]) / best
    }
  }
  if (problems != "") { printf "\nWRONG ANSWERS OR ERRORS:\n%s", problems; exit 1 }
  print "all cold lookups answered OK, no connection errors"
}' "$out.rtt.tsv" || status=1
exit $status
