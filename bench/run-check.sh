#!/usr/bin/env bash
# Domain-check benchmark (issue 3 item 4, issue 9 item 9), side by side with mailauth (npm) in
# one run: N generated domains (default 500) in the test world, `mtasts check` with SMTP probing
# and with --no-smtp vs mailauth's getPolicy alone (its policy-only check) and getPolicy +
# validateMx, against the same DNS server and CA, each tool at its best concurrency.
# Two phases: loopback, then the same world behind bench/delaylink with RTT_MS (default 50) of
# added round-trip delay (netem in the namespace when the kernel has it, a TUN relay otherwise).
# Needs root (private network and mount namespaces); only loopback and namespaces it creates,
# `.test` names.
# Usage: [BUILD_DIR=build/release] [RTT_MS=50] bash bench/run-check.sh [--domains N]
#        [--concurrency C[,C...]] [--runs N]          (RTT_MS=0: loopback phase only)
# BUILD_DIR (relative to the source root) is configured with the release preset and built there.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build/release}"
cmake --preset release -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" --target mtasts >/dev/null
cmake --build "$BUILD_DIR" --target bench_check delaylink >/dev/null
(cd bench/mailauth && [ -d node_modules/mailauth ] || npm install --silent --no-audit --no-fund >/dev/null)
bench=("$BUILD_DIR/bench/bench_check" --mtasts "$PWD/$BUILD_DIR/mtasts"
  --mailauth-script "$PWD/bench/mailauth/check.js" --delaylink "$PWD/$BUILD_DIR/bench/delaylink")
status=0
echo "=== phase 1: loopback"
"${bench[@]}" "$@" || status=1
if [ "${RTT_MS:-50}" != 0 ]; then
  echo
  echo "=== phase 2: ${RTT_MS:-50} ms round trip between the clients and the servers"
  "${bench[@]}" --rtt-ms "${RTT_MS:-50}" "$@" || status=1
fi
exit $status
