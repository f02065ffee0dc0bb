#!/usr/bin/env bash
# Installs every build and test dependency of mtasts from Debian 12 packages (run as root).
# Idempotent and fast when everything is present: apt-get runs only for missing packages.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git clang-14 libclang-rt-14-dev clang-format clang-tidy
  # libraries (see docs/ARCHITECTURE.md, "Dependencies")
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcli11-dev libfmt-dev libspdlog-dev zlib1g-dev libidn2-dev libssl-dev libunbound-dev
  libsqlite3-dev libhiredis-dev libtomlplusplus-dev
  # tests and benchmarks; the test world (real servers in a private network namespace)
  libgtest-dev libgmock-dev libbenchmark-dev iproute2 nsd ldnsutils nginx-light unbound
  postfix redis-server swaks util-linux openssl dns-root-data
)

missing=()
for package in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix: "No configuration" writes no /etc/postfix/main.cf; the tests run their own instances
# with their own config directories, and no package daemon is started by the tests.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
