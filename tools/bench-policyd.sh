#!/usr/bin/env bash
# Benchmark: postern-policyd against Debian's postgrey (greylisting) and Debian's
# policyd-rate-limit (per-login send limits), same machine, same run, same requests.
# Starts (in a temporary directory, on unix sockets there and loopback ports chosen here) a test
# DNS server, postern-policyd with the LMDB store, and postgrey; drives each with
# postern-policy-bench over persistent connections, on a unix socket (the packaged setup) and over
# TCP; prints one line per run and the ratios. Usage (root, Debian 12):
#   bash tools/bench-policyd.sh [REQUESTS] [CONNECTIONS] [PREFILL]
# With PREFILL > 0 it measures flatness instead: the same greylisting load against an empty LMDB
# store and against one prefilled (through the daemon, with distinct new triplets) with PREFILL
# entries, reporting both rows, the store's size on disk and the daemon's resident memory; postgrey
# is not run then. POSTERN_BENCH_BUILD=DIR uses (and builds) that Release build directory instead
# of the release preset. The send-limit rows: RATELIMIT_LOGINS (default 10000) logins, each
# sending REQUESTS / LOGINS messages against two limits (5 an hour, 8 a day); postern-policyd is
# asked at END-OF-MESSAGE, policyd-rate-limit at RCPT (the only stage it counts at), one recipient
# per message, so both must defer exactly REQUESTS - 5 * LOGINS of them.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
connections=${2:-32}
prefill=${3:-0}
# Client threads driving the connections (epoll): 4 saturate the daemon on two cores; the
# "-light" row uses 1, for the latency below saturation.
client_threads=4
logins=${RATELIMIT_LOGINS:-10000}
bash tools/install-deps.sh
if [ -n "${POSTERN_BENCH_BUILD:-}" ]; then
  bin=$POSTERN_BENCH_BUILD
  cmake -S . -B "$bin" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$bin" -j "$(nproc)" --target postern-policyd postern-policy-bench postern-testdns >/dev/null
else
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target postern-policyd postern-policy-bench postern-testdns >/dev/null
  bin=build/release
fi
work=$(mktemp -d /tmp/postern-bench.XXXXXX)
chmod 755 "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }
wait_socket() { for _ in $(seq 1 200); do [ -S "$1" ] && return 0; sleep 0.05; done; return 1; }

# DNS: every 192.0.2.0/24 client the load uses (.1 to .250) is listed in bl.bench.
{
  echo "\$ORIGIN bl.bench."
  echo "\$TTL 3600"
  echo "@ IN SOA ns.bl.bench. hostmaster.bl.bench. 1 3600 600 86400 300"
  for i in $(seq 1 250); do echo "$i.2.0.192 IN A 127.0.0.2"; done
} >"$work/bl.zone"
dport=$(port)
"$bin/tests/dns/postern-testdns" --port "$dport" --zone "$work/bl.zone" >"$work/dns.log" 2>&1 &
pids+=($!)
sleep 0.5

run_postern() {  # $1 label, $2 extra config, $3 bench options, $4 entries to prefill first,
  # $5 warm-up requests, $6 minimum rejected percent, $7 socket: unix (default; what the packaged
  # configuration uses) or inet
  local p socket target
  mkdir -p "$work/$1"
  if [ "${7:-unix}" = inet ]; then
    p=$(port)
    socket="inet:127.0.0.1:$p"
    target="--port $p"
  else
    socket="unix:$work/$1/policy.sock"
    target="--unix $work/$1/policy.sock"
  fi
  cat >"$work/$1/postern.conf" <<CONF
[log]
destination = "stderr"
level = "warning"
[dns]
servers = ["127.0.0.1:$dport"]
[store]
lmdb_path = "$work/$1/state"
[policyd]
socket = "$socket"
user = "nobody"
group = "nogroup"
$2
CONF
  "$bin/policyd/postern-policyd" -f -c "$work/$1/postern.conf" 2>"$work/$1/log" &
  local pid=$!
  pids+=("$pid")
  if [ "${7:-unix}" = inet ]; then wait_port "$p"; else wait_socket "$work/$1/policy.sock"; fi
  if [ "${4:-0}" -gt 0 ]; then
    echo -n "$1 prefill: "
    "$bin/tools/policy-bench/postern-policy-bench" $target --threads "$client_threads" \
    --connections "$connections" --requests "$4" \
      --new-percent 100 --first 1000000000
  fi
  if [ "${5:-0}" -gt 0 ]; then  # the same kind of load, other request numbers: warms the DNS cache
    echo -n "$1 warm-up: "
    "$bin/tools/policy-bench/postern-policy-bench" $target --threads "$client_threads" \
    --connections "$connections" --requests "$5" \
      --new-percent 50 $3 --first 2000000000
  fi
  echo -n "$1: "
  "$bin/tools/policy-bench/postern-policy-bench" $target --threads "$client_threads" \
    --connections "$connections" --requests "$requests" \
    --new-percent 50 $3 | tee "$work/$1.txt"
  check_answers "$1" "$work/$1.txt" "${6:-0}"
  du -sh "$work/$1/state" | awk '{print "  store on disk: " $1}'
  # RssFile is the LMDB map's pages (page cache, reclaimable); RssAnon is the daemon's own memory.
  awk '/^(VmRSS|RssAnon|RssFile):/ {printf "  daemon %s %s kB\n", $1, $2}' "/proc/$pid/status"
  kill "$pid"
}

# The answers must be what the load asks for, so a fast but wrong service cannot pass: with the
# default 300 s delay and no time passing, every greylisted request is deferred; listed clients
# (when DNS lists are on) are rejected. $3: minimum rejected share in percent.
check_answers() {  # $1 label, $2 result line file, $3 minimum rejected percent (default 0)
  python3 - "$1" "$2" "${3:-0}" <<'PY'
import re, sys
label, path, min_rej = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = dict(re.findall(r"(\w+)=([\d.]+)", open(path).read()))
n, d, r, o = (int(f[k]) for k in ("requests", "deferred", "rejected", "other"))
ok = o == 0 and d + r == n and r * 100 >= min_rej * n and (min_rej > 0 or r == 0)
if not ok:
    sys.exit(f"{label}: unexpected answers: {f}")
PY
}

if [ "$prefill" -gt 0 ]; then
  run_postern "postern-greylist-empty" "" "--listed-percent 0" 0
  run_postern "postern-greylist-prefilled-$prefill" "" "--listed-percent 0" "$prefill"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
  exit 0
fi

# POSTERN_BENCH_ONLY=ratelimit runs the send-limit rows only, =ratelimit-postern only postern-policyd's
# send-limit row (policyd-rate-limit needs minutes at 100,000 requests), =greylist the greylisting rows only.
only=${POSTERN_BENCH_ONLY:-}
if [ "$only" != ratelimit ] && [ "$only" != ratelimit-postern ]; then
run_postern "postern-greylist" "" "--listed-percent 0" | tee "$work/postern.txt"
run_postern "postern-greylist-light" "" "--listed-percent 0 --threads 1"
run_postern "postern-greylist-tcp" "" "--listed-percent 0" 0 0 0 inet | tee "$work/postern-tcp.txt"
lists="[policyd.dnsbl]
ip_lists = [\"bl.bench=127.0.0.[2..11]*10\"]"
# Cold: every new triplet comes from a new client address, so a DNS query each.
run_postern "postern-greylist+dnsbl-cold" "$lists" "--listed-percent 10" 0 0 8
# Warm: clients from a pool of 5,000 addresses, the cache filled by a warm-up run first.
run_postern "postern-greylist+dnsbl-warm" "$lists" "--listed-percent 10 --client-pool 5000" 0 20000 8
fi

# Per-login send limits: exactly the messages over the hourly limit of 5 are deferred, the rest
# pass (DUNNO); nothing else.
check_limits() {  # $1 label, $2 result line file
  python3 - "$1" "$2" "$requests" "$logins" <<'PY'
import re, sys
label, path, n, logins = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
f = dict(re.findall(r"(\w+)=([\d.]+)", open(path).read()))
want = max(0, n - 5 * logins) if n >= logins else 0
if int(f["deferred"]) != want or int(f["rejected"]) != 0 or int(f["errors"]) != 0:
    sys.exit(f"{label}: unexpected answers (want deferred={want}): {f}")
PY
}
limits_conf="[policyd.ratelimit]
enabled = true
[[policyd.ratelimit.limit]]
window = \"1h\"
messages = 5
[[policyd.ratelimit.limit]]
window = \"1d\"
messages = 8"
run_postern_limits() {  # $1 label
  mkdir -p "$work/$1"
  cat >"$work/$1/postern.conf" <<CONF
[log]
destination = "stderr"
level = "error"
[dns]
servers = ["127.0.0.1:$dport"]
[store]
lmdb_path = "$work/$1/state"
[policyd]
socket = "unix:$work/$1/policy.sock"
user = "nobody"
group = "nogroup"
$limits_conf
CONF
  "$bin/policyd/postern-policyd" -f -c "$work/$1/postern.conf" 2>"$work/$1/log" &
  local pid=$!
  pids+=("$pid")
  wait_socket "$work/$1/policy.sock"
  echo -n "$1: "
  "$bin/tools/policy-bench/postern-policy-bench" --unix "$work/$1/policy.sock" --threads "$client_threads" \
    --connections "$connections" --requests "$requests" --logins "$logins" | tee "$work/$1.txt"
  check_limits "$1" "$work/$1.txt"
  du -sh "$work/$1/state" | awk '{print "  store on disk: " $1}'
  awk '/^(VmRSS|RssAnon|RssFile):/ {printf "  daemon %s %s kB\n", $1, $2}' "/proc/$pid/status"
  kill "$pid"
}
[ "$only" = greylist ] || run_postern_limits "postern-ratelimit"

run_policyd_rate_limit() {  # $1 label
  local dir="$work/$1"
  mkdir -p "$dir/run" "$dir/db"
  chown policyd-rate-limit:policyd-rate-limit "$dir/run" "$dir/db"
  cat >"$dir/config.yaml" <<YAML
debug: False
user: "policyd-rate-limit"
group: "policyd-rate-limit"
pidfile: "$dir/run/pid"
backend: 0
sqlite_config:
    database: "$dir/db/db.sqlite3"
SOCKET: "$dir/run/policy"
socket_permission: 0666
limits:
    - [5, 3600]
    - [8, 86400]
limits_by_id: {}
limit_by_sasl: True
limit_by_sender: False
limit_by_ip: False
limited_networks: []
success_action: "dunno"
fail_action: "defer_if_permit Rate limit reach, retry later"
db_error_action: "dunno"
report: False
delay_to_close: 300
YAML
  policyd-rate-limit --file "$dir/config.yaml" >"$dir.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_socket "$dir/run/policy"
  echo -n "$1: "
  "$bin/tools/policy-bench/postern-policy-bench" --unix "$dir/run/policy" --threads "$client_threads" \
    --connections "$connections" --requests "$requests" --logins "$logins" --state RCPT | tee "$work/$1.txt"
  check_limits "$1" "$work/$1.txt"
  kill -INT "$pid"
}
[ "$only" = greylist ] || [ "$only" = ratelimit-postern ] || run_policyd_rate_limit "policyd-rate-limit"

run_postgrey() {  # $1 label, $2 unix or inet
  local dir="$work/$1" gport listen target
  mkdir -p "$dir"
  chown postgrey "$dir" 2>/dev/null || true
  if [ "$2" = inet ]; then
    gport=$(port)
    listen="--inet=127.0.0.1:$gport"
    target="--port $gport"
  else
    listen="--unix=$dir/socket"
    target="--unix $dir/socket"
  fi
  postgrey $listen --dbdir="$dir" --delay=300 --pidfile="$dir/pid" --user=postgrey --group=postgrey \
    >"$dir.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if [ "$2" = inet ]; then wait_port "$gport"; else wait_socket "$dir/socket"; fi
  echo -n "$1: "
  "$bin/tools/policy-bench/postern-policy-bench" $target --threads "$client_threads" \
    --connections "$connections" \
    --requests "$requests" --new-percent 50 | tee "$work/$1.txt"
  check_answers "$1" "$work/$1.txt"
  kill "$pid"
}
rps() { sed -n 's/.*rps=\([0-9]*\).*/\1/p' "$1" | head -1; }
if [ "$only" != ratelimit ] && [ "$only" != ratelimit-postern ]; then
run_postgrey postgrey unix
run_postgrey postgrey-tcp inet
echo "ratio postern-greylist / postgrey (unix sockets): $(python3 -c "print(round($(rps "$work/postern.txt")/$(rps "$work/postgrey.txt"), 1))")x"
echo "ratio postern-greylist / postgrey (TCP loopback): $(python3 -c "print(round($(rps "$work/postern-tcp.txt")/$(rps "$work/postgrey-tcp.txt"), 1))")x"
fi
[ "$only" = greylist ] || [ "$only" = ratelimit-postern ] || echo "ratio postern-ratelimit / policyd-rate-limit (unix sockets): $(python3 -c "print(round($(rps "$work/postern-ratelimit.txt")/$(rps "$work/policyd-rate-limit.txt"), 1))")x"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
