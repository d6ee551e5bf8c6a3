#!/usr/bin/env bash
# Benchmark: postern-milter doing DKIM verification, SPF and DMARC for inbound mail, against
# Debian's opendkim (verify) and opendmarc (SPF by its own libspf2 and DMARC) chained as Postfix
# runs two smtpd_milters: each message goes through opendkim, then, with opendkim's
# Authentication-Results header added, through opendmarc (postern-milter-client --milter twice).
# Same 10 KB DKIM-signed message, same envelope (client 192.0.2.10, MAIL FROM alice@example.org),
# same DNS: postern-testdns serving example.org's DKIM key, SPF and DMARC records.
#
# opendmarc has no setting for its DNS server (its DMARC lookups and libspf2 use the system
# resolver, /etc/resolv.conf, port 53), so the whole benchmark runs in private network and mount
# namespaces (unshare -n -m): only a loopback interface, postern-testdns on 127.0.0.1:53, and
# /etc/resolv.conf bind-mounted there to "nameserver 127.0.0.1" for this run only. opendkim (built
# with libunbound) is pointed at the same server by Nameservers, postern-milter by [dns] servers.
# (opendkim's ResolverConfiguration, an unbound config file, made opendkim 2.11 die under
# concurrent load with "fatal flex scanner internal error", so it is not used.) Nothing leaves the machine and the host's resolver is untouched.
#
# Each run's verdicts are counted (--tally): dkim=pass, spf=pass and dmarc=pass must appear for
# every message on both sides, or the script fails. Usage (root, Debian 12):
#   bash tools/bench-dmarc.sh [COUNT] [CONNECTIONS] [ROUNDS]
# Rounds alternate the two sides; the last line gives each round's ratio. Then each OpenDMARC-side
# milter runs alone once, to show where the chain's time goes.
# POSTERN_BUILD=DIR picks the build directory (default build/release); POSTERN_NO_BUILD=1 skips
# building.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000}
connections=${2:-4}
rounds=${3:-3}
build=${POSTERN_BUILD:-build/release}
if [[ -z ${POSTERN_BENCH_NS:-} ]]; then
  if [[ -z ${POSTERN_NO_BUILD:-} ]]; then
    bash tools/install-deps.sh
    if [[ $build == build/release ]]; then cmake --preset release >/dev/null; fi
    cmake --build "$build" -j "$(nproc)" --target postern-milter postern-milter-client posternctl postern-testdns >/dev/null
  fi
  exec unshare -n -m --propagation private env POSTERN_BENCH_NS=1 POSTERN_BUILD="$build" \
    POSTERN_BENCH_KEEP="${POSTERN_BENCH_KEEP:-}" bash "$0" "$count" "$connections" "$rounds"
fi

client=$build/tools/milter-client/postern-milter-client
milter=$build/milter/postern-milter
ctl=$build/tools/posternctl/posternctl
testdns=$build/tests/dns/postern-testdns
work=$(mktemp -d /tmp/postern-dmarc-bench.XXXXXX)
chmod 755 "$work"
pids=()
# POSTERN_BENCH_KEEP=1 keeps the work directory (configs, logs) for a look afterwards.
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n ${POSTERN_BENCH_KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 1 200); do [[ -S $1 ]] && return 0; sleep 0.05; done; return 1; }

ip link set lo up
echo "nameserver 127.0.0.1" >"$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf

# A 10 KB message, signed by example.org.
{
  printf 'From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: benchmark\n'
  printf 'Date: Mon, 23 Nov 2026 07:00:00 +0000\nMessage-ID: <bench@example.org>\n\n'
  for i in $(seq 1 140); do printf 'A body line of a typical message, about seventy characters long..... %d\n' "$i"; done
} >"$work/msg.eml"
mkdir -p "$work/keys"
"$ctl" dkim keygen --domain example.org --selector sel --out "$work/keys" >"$work/rsa.txt"
"$ctl" dkim sign --domain example.org --selector sel --key "$work/keys/example.org.sel.key" "$work/msg.eml" >"$work/signed.eml"
{
  echo '$ORIGIN .'
  echo '$TTL 3600'
  echo 'example.org. IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300'
  echo 'example.org. IN TXT "v=spf1 ip4:192.0.2.0/24 -all"'
  echo '_dmarc.example.org. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.org"'
  grep -v '^;' "$work/rsa.txt"
} >"$work/zone"
"$testdns" --port 53 --zone "$work/zone" >"$work/dns.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do grep -q listening "$work/dns.log" && break; sleep 0.05; done
grep -q listening "$work/dns.log" || { cat "$work/dns.log"; echo "postern-testdns did not start" >&2; exit 1; }

# opendkim verifies and writes Authentication-Results for opendmarc to trust.
cat >"$work/opendkim.conf" <<CONF
Syslog no
Mode v
Socket local:$work/opendkim.sock
AuthservID bench.test
Nameservers 127.0.0.1
RequireSafeKeys no
CONF
# opendmarc: SPF of its own (libspf2), DKIM results from opendkim's header, nothing rejected
# (postern-milter's [dmarc] enforce is off too), no history file (postern's report_log is off).
cat >"$work/opendmarc.conf" <<CONF
Syslog false
Socket local:$work/opendmarc.sock
AuthservID bench.test
TrustedAuthservIDs bench.test
SPFSelfValidate true
SPFIgnoreResults true
RejectFailures false
SoftwareHeader false
CONF
cat >"$work/postern.conf" <<CONF
[log]
destination = "stderr"
level = "warning"
[dns]
servers = ["127.0.0.1:53"]
[milter]
socket = "unix:$work/postern.sock"
user = "nobody"
group = "nogroup"
authserv_id = "bench.test"
[dkim]
sign = false
internal_networks = []
[spf]
enabled = true
[dmarc]
enabled = true
CONF
opendkim -f -x "$work/opendkim.conf" >"$work/opendkim.log" 2>&1 &
pids+=($!)
opendkim_pid=$!
opendmarc -f -c "$work/opendmarc.conf" >"$work/opendmarc.log" 2>&1 &
pids+=($!)
opendmarc_pid=$!
"$milter" -f -c "$work/postern.conf" >"$work/postern.log" 2>&1 &
pids+=($!)
postern_pid=$!
dns_pid=${pids[0]}
# CPU time (user + system, clock ticks) a process has used so far: the work per message, which
# the other load on a shared machine disturbs far less than throughput.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
cpu_per_message() {  # $@: "PID BEFORE" pairs; prints milliseconds of CPU per message
  local total=0
  while (($# >= 2)); do
    total=$((total + $(ticks "$1") - $2))
    shift 2
  done
  awk -v t="$total" -v hz="$hz" -v n="$count" 'BEGIN { printf "%.3f", t * 1000 / hz / n }'
}
for s in opendkim opendmarc postern; do
  wait_for "$work/$s.sock" || { cat "$work"/*.log; echo "$s did not start" >&2; exit 1; }
done

envelope=(--client-ip 192.0.2.10 --client-name mail.example.org --helo mail.example.org
  --from alice@example.org --rcpt bob@example.net)
chained=(--milter "local:$work/opendkim.sock" --milter "local:$work/opendmarc.sock")
ours=(--milter "unix:$work/postern.sock")
tallies=(--tally dkim=pass --tally spf=pass --tally dmarc=pass)

# One message each, verdicts shown: what each side adds.
echo "== one message through opendkim + opendmarc"
"$client" "${chained[@]}" "${envelope[@]}" "$work/signed.eml"
echo "== one message through postern-milter"
"$client" "${ours[@]}" "${envelope[@]}" "$work/signed.eml"

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs; $count messages of $(wc -c <"$work/signed.eml") bytes over $connections connections"
check() {  # $1 label, $2 output file: every message must show all three passes
  cat "$2"
  for t in dkim=pass spf=pass dmarc=pass; do
    n=$(awk -v t="$t" '$1 == "tally" && $2 == t { print $3 }' "$2")
    [[ $n == "$count" ]] || { echo "$1: $t in ${n:-0} of $count verdicts" >&2; exit 1; }
  done
}
rate() { awk '$1 == "messages/s" { print $2 }' "$1"; }
ratios=""
for round in $(seq 1 "$rounds"); do
  echo "== round $round: opendkim + opendmarc chained"
  before=("$opendkim_pid" "$(ticks "$opendkim_pid")" "$opendmarc_pid" "$(ticks "$opendmarc_pid")" "$dns_pid" "$(ticks "$dns_pid")")
  "$client" "${chained[@]}" "${envelope[@]}" "${tallies[@]}" --connections "$connections" --count "$count" \
    "$work/signed.eml" >"$work/chained.out"
  check "opendkim + opendmarc" "$work/chained.out"
  echo "milter-cpu-ms-per-message $(cpu_per_message "${before[@]:0:4}") (dns server $(cpu_per_message "${before[@]:4:2}"))"
  echo "== round $round: postern-milter"
  before=("$postern_pid" "$(ticks "$postern_pid")" "$dns_pid" "$(ticks "$dns_pid")")
  "$client" "${ours[@]}" "${envelope[@]}" "${tallies[@]}" --connections "$connections" --count "$count" \
    "$work/signed.eml" >"$work/postern.out"
  check "postern-milter" "$work/postern.out"
  echo "milter-cpu-ms-per-message $(cpu_per_message "${before[@]:0:2}") (dns server $(cpu_per_message "${before[@]:2:2}"))"
  ratios+=" $(awk -v a="$(rate "$work/postern.out")" -v b="$(rate "$work/chained.out")" 'BEGIN { printf "%.2f", a / b }')"
done
echo "== alone (not part of the comparison): opendkim verifying"
"$client" --milter "local:$work/opendkim.sock" "${envelope[@]}" --tally dkim=pass --connections "$connections" \
  --count "$count" "$work/signed.eml"
echo "== alone (not part of the comparison): opendmarc (SPF-aligned pass, no DKIM result to read)"
"$client" --milter "local:$work/opendmarc.sock" "${envelope[@]}" --tally spf=pass --tally dmarc=pass \
  --connections "$connections" --count "$count" "$work/signed.eml"
echo "== ratio postern-milter / chained, per round:$ratios"
