#!/usr/bin/env bash
# Installs every build, runtime and test dependency of mtasts from Debian 12 packages (run as
# root), and the npm packages the tests compare against (tests/compat). Idempotent and fast when
# everything is present: apt-get runs only for missing packages, npm only when node_modules is
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain, man pages, packaging (.deb with dpkg-shlibdeps; systemd-analyze verifies the unit)
  g++ cmake ninja-build pkg-config git clang-14 libclang-rt-14-dev clang-format clang-tidy
  scdoc dpkg-dev systemd
  # libraries (see docs/ARCHITECTURE.md, "Dependencies")
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcli11-dev libfmt-dev libspdlog-dev zlib1g-dev libidn2-dev libssl-dev libunbound-dev
  libsqlite3-dev libhiredis-dev libtomlplusplus-dev
  # runtime: the DNSSEC root trust anchor (/usr/share/dns/root.key), needed to recognise DANE
  dns-root-data
  # tests and benchmarks; the test world (real servers in a private network namespace)
  libgtest-dev libgmock-dev libbenchmark-dev iproute2 nsd ldnsutils nginx-light unbound
  postfix redis-server swaks util-linux openssl curl pebble caddy nodejs npm
)

missing=()
for package in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -ne 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  # Node.js may come from another repository (nodesource): then its npm is already there.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    filtered=()
    for package in "${missing[@]}"; do
      [ "$package" = nodejs ] || [ "$package" = npm ] || filtered+=("$package")
    done
    missing=("${filtered[@]}")
  fi
fi
if [ "${#missing[@]}" -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix: "No configuration" writes no /etc/postfix/main.cf; the tests run their own instances
  # with their own config directories, and no package daemon is started by the tests.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The sender implementations the tests compare with (tests/compat/package.json, pinned by its
# package-lock.json).
if [ ! -d tests/compat/node_modules/mailauth ]; then
  echo "install-deps: npm ci in tests/compat"
  (cd tests/compat && npm ci --silent --no-audit --no-fund >/dev/null)
fi
