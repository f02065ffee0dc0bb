#!/usr/bin/env bash
# run-peer.sh - loopback-only side-by-side benchmark harness for MTA-STS
# socketmap resolvers. Default target: Debian's postfix-mta-sts-resolver
# (mta-sts-daemon). Everything listens on / talks to 127.0.0.1 only.
#
# Pieces (all started by this script, all stopped by PID on exit):
#   nsd    127.0.0.1:53   authoritative zone bench.test: _mta-sts TXT, MX, A
#   nginx  127.0.0.1:443  https://mta-sts.<domain>/.well-known/mta-sts.txt,
#                         per-domain leaf certs signed by a throw-away test CA
#   daemon 127.0.0.1:$PORT  mta-sts-daemon, run inside `unshare -m` with
#                         /etc/resolv.conf bind-mounted to "nameserver 127.0.0.1"
#                         and SSL_CERT_FILE=<test CA> (only the test CA trusted)
#   smload               C socketmap load generator (bench/resolver/smload.c)
#   nullmap              do-nothing socketmap server (bench/resolver/nullmap.c), the
#                        floor: one fixed OK reply per request, no lookup at all
#
# Copied from /work/shared/bench/peer/run-peer.sh (see README.md); adapted for
# bench/run-resolver.sh: builds nullmap next to smload ({NULLMAP} placeholder),
# prints sample replies on the first run of EVERY target (after the cold phases,
# so every run starts them with an empty cache), reports uvloop only for the
# peer's own configurations; `postmap -q` uses a private empty main.cf.
# Issue 9 (latency phase of bench/run-resolver.sh): FIXTURE_ADDR puts nsd and
# nginx on another local address, CLIENT_NETNS runs the daemon, smload and
# postmap in another network namespace (the far side of bench/delaylink), and
# PHASES=cold keeps only the cold phases.
#
# Usage: bench/resolver/run-peer.sh        (run as root; needs apt for first run)
# Env knobs (defaults in brackets):
#   N_DOMAINS [400]   enforce-mode policy domains (cold + warm sets)
#   N_COLD_SERIAL [100; N_DOMAINS/4 below 400] of those, looked up cold one at a time (c=1)
#   COLD_CONC [32]    concurrency for the remaining cold lookups
#   N_NOSTS [200]     domains without _mta-sts TXT (negative path)
#   N_TESTING [20]    domains with mode: testing
#   WARM_CONNS ["1 8 64"]  socketmap connection counts for warm runs
#   WARM_SECS [8]     seconds per warm run
#   RUNS [3]          repetitions (daemon restarted, cache cold, each run)
#   CACHES ["internal sqlite"]  cache backends to benchmark
#   LOOPS ["uvloop asyncio"]    event loops: uvloop (what Debian gets, python3-uvloop
#                     is a Recommends) and asyncio (adds --disable-uvloop)
#   PORT [18461]      daemon port
#   TARGET_CMD        alternative server command (runs in the same namespace,
#                     env and CPU pinning); must listen on 127.0.0.1:$PORT.
#                     {CONF} is replaced by the generated daemon YAML path,
#                     {LOOPFLAG} by --disable-uvloop for LOOPS=asyncio,
#                     {PORT} by $PORT, {CA} by the test CA (PEM), {DNS} by
#                     127.0.0.1:53 (the nsd), {W} by the work dir (its
#                     cache.db* files are removed before every start),
#                     {NULLMAP} by the built nullmap binary (usage: nullmap PORT).
#   EXTRA_TARGETS     more servers measured in the SAME run after the peer
#                     configurations, one per line: "LABEL COMMAND ..." (same
#                     placeholders, namespace, env, pinning, phases and RUNS), e.g.
#                     EXTRA_TARGETS="ours ./mtasts resolver --listen 127.0.0.1:{PORT} --dns-server {DNS} --ca-file {CA} --cache sqlite://{W}/cache.db"
#                     or "nullmap {NULLMAP} {PORT}"
#   FIXTURE_ADDR [127.0.0.1]  address nsd (:53) and nginx (:443) listen on, and
#                     the A records of the policy and MX hosts point to
#   CLIENT_NETNS      a network namespace path (/proc/PID/ns/net): the daemon,
#                     smload and postmap run there (through nsenter); the
#                     daemon still listens on 127.0.0.1:$PORT, in that namespace
#   PHASES ["cold warm"]  "cold" alone skips the warm, no-policy and memory rows
#   KEEP_WORKDIR [0]  keep the temp dir (configs, logs, results)
#   NO_INSTALL [0]    skip apt-get
#   INSTALL_ONLY [0]  install what is missing, then exit
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
N_DOMAINS=${N_DOMAINS:-400}
# (adapted: with fewer than 400 domains, a quarter of them, so the c=32 cold set is never empty)
N_COLD_SERIAL=${N_COLD_SERIAL:-$(( N_DOMAINS < 400 ? N_DOMAINS / 4 : 100 ))}
COLD_CONC=${COLD_CONC:-32}
N_NOSTS=${N_NOSTS:-200}
N_TESTING=${N_TESTING:-20}
WARM_CONNS=${WARM_CONNS:-"1 8 64"}
WARM_SECS=${WARM_SECS:-8}
RUNS=${RUNS:-3}
CACHES=${CACHES:-"internal sqlite"}
LOOPS=${LOOPS:-"uvloop asyncio"}
PORT=${PORT:-18461}
TARGET_CMD=${TARGET_CMD:-"mta-sts-daemon -v warn -c {CONF} {LOOPFLAG}"}
FIXTURE_ADDR=${FIXTURE_ADDR:-127.0.0.1}
CLIENT_NETNS=${CLIENT_NETNS:-}
PHASES=${PHASES:-"cold warm"}
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
NO_INSTALL=${NO_INSTALL:-0}
ZONE=bench.test

[ "$(id -u)" = 0 ] || { echo "run as root (needs ports 53/443 and unshare -m)" >&2; exit 1; }

# ---------------------------------------------------------------- install
if [ "$NO_INSTALL" != 1 ]; then
  need=""
  for p in postfix-mta-sts-resolver python3-uvloop nsd nginx-light openssl postfix gcc libc6-dev util-linux iproute2; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
  done
  if [ -n "$need" ]; then
    echo "== installing:$need"
    # Debian's policy-rc.d (if present) keeps services from auto-starting;
    # we start our own copies below with private configs.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
fi
[ "${INSTALL_ONLY:-0}" != 1 ] || exit 0
for b in nsd nginx openssl mta-sts-daemon unshare cc ss taskset nsenter; do
  command -v "$b" >/dev/null || { echo "missing $b" >&2; exit 1; }
done

# Refuse to run if the loopback ports we need are taken (we never kill
# anything we did not start).
for p in 53 443 "$PORT"; do
  if ss -Hltn "sport = :$p" | grep -q . || ss -Hlun "sport = :$p" | grep -q .; then
    echo "port $p already in use on this host; free it first" >&2; exit 1
  fi
done

W=$(mktemp -d "${TMPDIR:-/tmp}/peerbench.XXXXXX")
PIDS=()
DAEMON_PID=""
cleanup() {
  set +e
  for pid in $DAEMON_PID "${PIDS[@]}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  done
  for pid in $DAEMON_PID "${PIDS[@]}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  if [ "$KEEP_WORKDIR" = 1 ]; then echo "workdir kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT INT TERM

if [ -n "$CLIENT_NETNS" ]; then IN_CLIENT="nsenter --net=$CLIENT_NETNS"; else IN_CLIENT=""; fi
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then PIN_D="taskset -c 0"; PIN_O="taskset -c 1-$((NCPU-1))"; else PIN_D=""; PIN_O=""; fi

echo "== workdir $W"
cc -O2 -Wall -o "$W/smload" "$HERE/smload.c" -lm
cc -O2 -o "$W/nullmap" "$HERE/nullmap.c"
SMLOAD="$IN_CLIENT $PIN_O $W/smload"

# ---------------------------------------------------------------- fixtures
mkdir -p "$W/dns" "$W/certs" "$W/keys" "$W/nginx" "$W/postfix"
: > "$W/postfix/main.cf"
: > "$W/keys/enforce.txt"; : > "$W/keys/nosts.txt"; : > "$W/keys/testing.txt"
{
  echo "\$ORIGIN $ZONE."
  echo "\$TTL 300"
  echo "@ IN SOA ns.$ZONE. hostmaster.$ZONE. 1 3600 600 86400 300"
  echo "@ IN NS ns.$ZONE."
  echo "ns IN A $FIXTURE_ADDR"
  for i in $(seq 1 "$N_DOMAINS"); do
    d="d$i"
    echo "_mta-sts.$d IN TXT \"v=STSv1; id=20240101T000000$i;\""
    echo "mta-sts.$d IN A $FIXTURE_ADDR"
    echo "$d IN MX 10 mx1.$d"
    echo "mx1.$d IN A $FIXTURE_ADDR"
    echo "$d.$ZONE" >> "$W/keys/enforce.txt"
  done
  for i in $(seq 1 "$N_TESTING"); do
    d="t$i"
    echo "_mta-sts.$d IN TXT \"v=STSv1; id=20240101T000000$i;\""
    echo "mta-sts.$d IN A $FIXTURE_ADDR"
    echo "$d IN MX 10 mx1.$d"
    echo "mx1.$d IN A $FIXTURE_ADDR"
    echo "$d.$ZONE" >> "$W/keys/testing.txt"
  done
  for i in $(seq 1 "$N_NOSTS"); do
    d="n$i"
    echo "$d IN MX 10 mx1.$d"
    echo "mx1.$d IN A $FIXTURE_ADDR"
    echo "$d.$ZONE" >> "$W/keys/nosts.txt"
  done
} > "$W/dns/$ZONE.zone"
head -n "$N_COLD_SERIAL" "$W/keys/enforce.txt" > "$W/keys/cold-serial.txt"
tail -n +"$((N_COLD_SERIAL+1))" "$W/keys/enforce.txt" > "$W/keys/cold-conc.txt"

sed -e "s|@W@|$W|g" -e "s|@ZONE@|$ZONE|g" -e "s|127\.0\.0\.1|$FIXTURE_ADDR|" "$HERE/nsd.conf.in" > "$W/nsd.conf"
nsd-checkconf "$W/nsd.conf"

echo "== generating test CA and $((N_DOMAINS+N_TESTING)) leaf certs"
openssl ecparam -name prime256v1 -genkey -noout -out "$W/certs/ca.key" 2>/dev/null
openssl req -x509 -new -key "$W/certs/ca.key" -subj "/CN=peerbench test CA" -days 2 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -out "$W/certs/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$W/certs/leaf.key" 2>/dev/null
openssl req -new -key "$W/certs/leaf.key" -subj "/CN=mta-sts.$ZONE" -out "$W/certs/leaf.csr" 2>/dev/null
i=0
for d in $(sed 's/^/mta-sts./' "$W/keys/enforce.txt" "$W/keys/testing.txt"); do
  i=$((i+1))
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$d" > "$W/certs/$d.ext"
  openssl x509 -req -in "$W/certs/leaf.csr" -CA "$W/certs/ca.pem" -CAkey "$W/certs/ca.key" \
    -set_serial "$i" -days 2 -extfile "$W/certs/$d.ext" -out "$W/certs/$d.crt" 2>/dev/null &
  # a few in parallel
  if (( i % 8 == 0 )); then wait; fi
done
wait
# nginx loads SNI-selected certs per handshake in its (unprivileged) worker:
# make the throw-away test material readable.
chmod 755 "$W" "$W/certs"; chmod 644 "$W"/certs/*.crt "$W/certs/leaf.key"
sed -e "s|@W@|$W|g" -e "s|127\.0\.0\.1:443|$FIXTURE_ADDR:443|" "$HERE/nginx.conf.in" > "$W/nginx/nginx.conf"
printf 'nameserver %s\noptions attempts:2 timeout:2\n' "$FIXTURE_ADDR" > "$W/resolv.conf"

# ---------------------------------------------------------------- servers
echo "== starting nsd and nginx on $FIXTURE_ADDR"
$PIN_O nsd -d -c "$W/nsd.conf" > "$W/nsd.out" 2>&1 &
PIDS+=($!)
$PIN_O nginx -e "$W/nginx/error.log" -c "$W/nginx/nginx.conf" -p "$W/nginx" > "$W/nginx.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ss -Hlun "sport = :53" | grep -qF "$FIXTURE_ADDR" && ss -Hltn "sport = :443" | grep -qF "$FIXTURE_ADDR" && break
  sleep 0.1
done
ss -Hltn "sport = :443" | grep -qF "$FIXTURE_ADDR" || { cat "$W/nginx/error.log" "$W/nginx.out"; exit 1; }
ss -Hlun "sport = :53" | grep -qF "$FIXTURE_ADDR" || { cat "$W/nsd.out"; exit 1; }

# Sanity: DNS + HTTPS through the same namespace trick the daemon will use.
$IN_CLIENT unshare -m sh -c "mount --bind '$W/resolv.conf' /etc/resolv.conf && exec env -u http_proxy -u https_proxy -u HTTPS_PROXY -u HTTP_PROXY SSL_CERT_FILE='$W/certs/ca.pem' python3 -c '
import socket, ssl, urllib.request
print(\"  getaddrinfo:\", socket.getaddrinfo(\"mta-sts.d1.$ZONE\", 443, socket.AF_INET)[0][4])
ctx = ssl.create_default_context()
r = urllib.request.urlopen(\"https://mta-sts.d1.$ZONE/.well-known/mta-sts.txt\", context=ctx, timeout=5)
print(\"  policy:\", r.headers.get(\"Content-Type\"), repr(r.read().decode()))
'"

# ---------------------------------------------------------------- daemon
write_conf() { # $1 cache type
  local cache="$1"
  {
    echo "host: 127.0.0.1"
    echo "port: $PORT"
    echo "reuse_port: true    # NB: false crashes 1.1.2..1.5.0 at startup (UnboundLocalError opts)"
    echo "shutdown_timeout: 2"
    echo "cache_grace: 86400   # keep warm runs on the pure cache path (default 60)"
    echo "cache:"
    echo "  type: $cache"
    if [ "$cache" = sqlite ]; then
      echo "  options:"
      echo "    filename: \"$W/cache.db\""
    else
      echo "  options:"
      echo "    cache_size: 10000"
    fi
    echo "default_zone:"
    echo "  strict_testing: false"
    echo "  timeout: 4"
    echo "  require_sni: true"
  } > "$W/daemon.yml"
}

start_daemon() { # [command template; default $TARGET_CMD]
  rm -f "$W/cache.db" "$W/cache.db-wal" "$W/cache.db-shm"
  local cmd=${1:-$TARGET_CMD}
  cmd=${cmd//\{CONF\}/$W/daemon.yml}
  cmd=${cmd//\{LOOPFLAG\}/$LOOPFLAG}
  cmd=${cmd//\{PORT\}/$PORT}
  cmd=${cmd//\{CA\}/$W/certs/ca.pem}
  cmd=${cmd//\{DNS\}/$FIXTURE_ADDR:53}
  cmd=${cmd//\{NULLMAP\}/$W/nullmap}
  cmd=${cmd//\{W\}/$W}
  # unshare execs the shell, the shell execs the server: $! is the server PID.
  $PIN_D $IN_CLIENT unshare -m sh -c "mount --bind '$W/resolv.conf' /etc/resolv.conf && exec env -u http_proxy -u https_proxy -u HTTPS_PROXY -u HTTP_PROXY SSL_CERT_FILE='$W/certs/ca.pem' $cmd" \
    >> "$W/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 100); do
    if $IN_CLIENT "$W/smload" -s "127.0.0.1:$PORT" -k 127.0.0.1 -n 1 -t 500 >/dev/null 2>&1; then return 0; fi
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "daemon failed to start:"; tail -20 "$W/daemon.log"; exit 1
}
stop_daemon() {
  [ -n "$DAEMON_PID" ] || return 0
  kill -TERM "$DAEMON_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$DAEMON_PID" 2>/dev/null && kill -KILL "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=""
}
cpu_ticks() { awk '{print $14+$15}' "/proc/$DAEMON_PID/stat"; }
proc_kb() { awk -v k="$1:" '$1==k{print $2}' "/proc/$DAEMON_PID/status"; }
# total over the daemon and its children/threads (sqlite uses threads = same pid)
CLK=$(getconf CLK_TCK)

RES="$W/results.tsv"
printf 'cache\trun\ttest\tconns\trequests\tok\tnotfound\terrors\trps\tp50_ms\tp99_ms\tmax_ms\tcpu_ms_per_1k\n' > "$RES"
MEMRES="$W/mem.tsv"
printf 'cache\trun\trss_start_kb\trss_end_kb\tpeak_rss_kb\tanon_end_kb\tfile_end_kb\n' > "$MEMRES"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
record() { # cache run test line cpu_ticks_delta
  local line="$4" req
  req=$(echo "$line" | field replies)
  local cpu1k
  cpu1k=$(awk -v t="$5" -v c="$CLK" -v r="$req" 'BEGIN{ if (r>0) printf "%.1f", t/c*1000/r*1000; else print "-" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
    "$(echo "$line" | field conns)" "$req" "$(echo "$line" | field ok)" \
    "$(echo "$line" | field notfound)" "$(echo "$line" | field errors)" \
    "$(echo "$line" | field rps)" "$(echo "$line" | field p50_ms)" \
    "$(echo "$line" | field p99_ms)" "$(echo "$line" | field max_ms)" "$cpu1k" >> "$RES"
  echo "   $3: $line"
}
run_load() { # cache run test smload-args...
  local cache=$1 run=$2 test=$3; shift 3
  local t0 t1 line
  t0=$(cpu_ticks)
  line=$($SMLOAD -s "127.0.0.1:$PORT" -l "$test" "$@" || true)
  t1=$(cpu_ticks)
  record "$cache" "$run" "$test" "$line" "$((t1 - t0))"
}

run_target() { # label [command template]
  local cache=$1 cmd=${2:-}
  for run in $(seq 1 "$RUNS"); do
    echo "== target=$cache run=$run"
    start_daemon "$cmd"
    if [ -z "$cmd" ]; then
      if grep -q uvloop "/proc/$DAEMON_PID/maps" 2>/dev/null; then echo "   (uvloop loaded in daemon)"; else echo "   (uvloop NOT loaded in daemon)"; fi
    fi
    rss0=$(proc_kb VmRSS)
    # (a) cold lookups: first fetch (DNS TXT + HTTPS policy) of distinct domains
    n=$(wc -l < "$W/keys/cold-serial.txt")
    run_load "$cache" "$run" cold_c1 -f "$W/keys/cold-serial.txt" -n "$n" -c 1 -t 15000
    n=$(wc -l < "$W/keys/cold-conc.txt")
    run_load "$cache" "$run" "cold_c$COLD_CONC" -f "$W/keys/cold-conc.txt" -n "$n" -c "$COLD_CONC" -t 15000
    n=$(wc -l < "$W/keys/testing.txt")
    run_load "$cache" "$run" cold_testing -f "$W/keys/testing.txt" -n "$n" -c 4 -t 15000
    if [ "$run" = 1 ]; then
      # after the cold phases, so that every run of every target starts them
      # with an empty cache (d1/d2/t1 are cached by now)
      echo "   sample replies:"
      for k in d1.$ZONE t1.$ZONE n1.$ZONE "[1.2.3.4]" .d1.$ZONE; do
        printf '     %-18s -> ' "$k"; $IN_CLIENT "$W/smload" -s "127.0.0.1:$PORT" -k "$k" -n 1 -x 2>&1 >/dev/null | cut -f2
      done
      if command -v postmap >/dev/null; then
        printf '     postmap -q d2.%s -> ' "$ZONE"
        # private, empty config dir: Debian's postfix package may be unconfigured (no main.cf)
        $IN_CLIENT postmap -c "$W/postfix" -q "d2.$ZONE" "socketmap:inet:127.0.0.1:$PORT:postfix" 2>&1 || true
      fi
    fi
    if [[ " $PHASES " != *" warm "* ]]; then stop_daemon; continue; fi
    # (b) warm cached lookups over all enforce domains
    for c in $WARM_CONNS; do
      run_load "$cache" "$run" "warm_c$c" -f "$W/keys/enforce.txt" -d "$WARM_SECS" -c "$c"
    done
    # negative path: domains without a policy (the peer never caches them -> DNS each time)
    run_load "$cache" "$run" nosts_c8 -f "$W/keys/nosts.txt" -d "$WARM_SECS" -c 8
    # (c) memory
    rss1=$(proc_kb VmRSS); hwm=$(proc_kb VmHWM); anon1=$(proc_kb RssAnon); file1=$(proc_kb RssFile)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cache" "$run" "$rss0" "$rss1" "$hwm" "$anon1" "$file1" >> "$MEMRES"
    echo "   rss_start=${rss0}kB rss_end=${rss1}kB peak=${hwm}kB (end: anonymous ${anon1}kB, file-backed ${file1}kB)"
    stop_daemon
  done
}
for loop in $LOOPS; do
 if [ "$loop" = asyncio ]; then LOOPFLAG=--disable-uvloop; else LOOPFLAG=""; fi
 for cache0 in $CACHES; do
  write_conf "$cache0"
  run_target "$cache0/$loop"
 done
done
if [ -n "${EXTRA_TARGETS:-}" ]; then
  LOOPFLAG=""
  write_conf internal
  mapfile -t extra <<< "$EXTRA_TARGETS"
  for line in "${extra[@]}"; do
    [ -n "${line// /}" ] || continue
    run_target "${line%% *}" "${line#* }"
  done
fi

# ---------------------------------------------------------------- report
echo
echo "== raw results ($RES)"
column -t -s $'\t' "$RES"
echo
echo "== memory"
column -t -s $'\t' "$MEMRES"
echo
echo "== summary: median over $RUNS run(s) [min..max]"
awk -F'\t' 'NR>1{k=$1"\t"$3"\t"$4; rps[k]=rps[k]" "$9; p50[k]=p50[k]" "$10; p99[k]=p99[k]" "$11; cpu[k]=cpu[k]" "$13; err[k]+=$8; if(!(k in seen)){seen[k]=1; order[++n]=k}}
function med(s,   a,m,i,j,t){m=split(substr(s,2),a," "); for(i=1;i<=m;i++)for(j=i+1;j<=m;j++)if(a[j]+0<a[i]+0){t=a[i];a[i]=a[j];a[j]=t}; return sprintf("%s [%s..%s]", a[int((m+1)/2)], a[1], a[m])}
BEGIN{printf "%-16s %-13s %-5s %-26s %-26s %-26s %-18s %s\n","cache","test","conns","rps","p50_ms","p99_ms","cpu_ms/1k_req","errors"}
END{for(i=1;i<=n;i++){k=order[i]; split(k,f,"\t"); printf "%-16s %-13s %-5s %-26s %-26s %-26s %-18s %d\n", f[1],f[2],f[3],med(rps[k]),med(p50[k]),med(p99[k]),med(cpu[k]),err[k]}}' "$RES"
awk -F'\t' 'NR>1{c=$1; if($5>pk[c])pk[c]=$5; if(!(c in s)){s[c]=$3}} END{for(c in pk) printf "peak RSS %-16s max over runs: %d kB (RSS right after start ~%d kB)\n", c, pk[c], s[c]}' "$MEMRES"
if [ -n "${RESULTS_OUT:-}" ]; then cp "$RES" "$RESULTS_OUT.tsv"; cp "$MEMRES" "$RESULTS_OUT.mem.tsv"; fi
