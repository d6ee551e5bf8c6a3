#!/usr/bin/env bash
# Benchmark: DKIM in postern-milter against Debian's opendkim, same machine, same run, same 10 KB
# message and the same RSA-2048 key, driven by postern-milter-client over unix sockets with
# concurrent connections. Signing (rsa-sha256; ed25519-sha256 for postern-milter alone: Debian's
# opendkim tools make no ed25519 keys) and verification of one rsa-sha256 signature (opendkim reads
# the key from a TestPublicKeys file; postern-milter asks a local test DNS server once and then
# answers from its cache). SPF and DMARC are off here: DKIM alone. Also prints `openssl speed` for
# the crypto floor. Usage (root, Debian 12):
#   bash tools/bench-milter.sh [COUNT] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-3000}
connections=${2:-4}
build=${POSTERN_BUILD:-build/release}
if [[ -z ${POSTERN_NO_BUILD:-} ]]; then
  bash tools/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build "$build" -j "$(nproc)" --target postern-milter postern-milter-client posternctl postern-testdns >/dev/null
fi
client=$build/tools/milter-client/postern-milter-client
milter=$build/milter/postern-milter
ctl=$build/tools/posternctl/posternctl
testdns=$build/tests/dns/postern-testdns
work=$(mktemp -d /tmp/postern-milter-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 200); do [[ -S $1 ]] && return 0; sleep 0.05; done; return 1; }

# A 10 KB message.
{
  printf 'From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: benchmark\n'
  printf 'Date: Mon, 23 Nov 2026 07:00:00 +0000\nMessage-ID: <bench@example.org>\n\n'
  for i in $(seq 1 140); do printf 'A body line of a typical message, about seventy characters long..... %d\n' "$i"; done
} >"$work/msg.eml"

# Keys and their DNS records.
mkdir -p "$work/keys"
"$ctl" dkim keygen --domain example.org --selector sel --out "$work/keys" >"$work/rsa.txt"
"$ctl" dkim keygen --domain example.org --selector ed --type ed25519 --out "$work/keys" >"$work/ed.txt"
chmod 644 "$work"/keys/*.key
{
  echo '$ORIGIN .'
  echo '$TTL 3600'
  echo 'example.org. IN SOA ns.example.org. hostmaster.example.org. 1 3600 600 86400 300'
  grep -v '^;' "$work/rsa.txt"
  grep -v '^;' "$work/ed.txt"
} >"$work/zone"
dport=$(port)
"$testdns" --port "$dport" --zone "$work/zone" >"$work/dns.log" 2>&1 &
pids+=($!)
# opendkim's TestPublicKeys: "NAME RECORD" per line.
record=$(grep -v '^;' "$work/rsa.txt" | sed -e 's/.*( //' -e 's/ )$//' -e 's/" "//g' -e 's/"//g')
echo "sel._domainkey.example.org $record" >"$work/testkeys"
"$ctl" dkim sign --domain example.org --selector sel --key "$work/keys/example.org.sel.key" "$work/msg.eml" >"$work/signed.eml"

# opendkim: one signer, one verifier.
cat >"$work/od-sign.conf" <<CONF
Syslog no
Mode s
Domain example.org
Selector sel
KeyFile $work/keys/example.org.sel.key
Socket local:$work/od-sign.sock
InternalHosts 127.0.0.1
RequireSafeKeys no
Canonicalization relaxed/relaxed
CONF
cat >"$work/od-verify.conf" <<CONF
Syslog no
Mode v
Socket local:$work/od-verify.sock
TestPublicKeys $work/testkeys
RequireSafeKeys no
CONF
for m in sign verify; do
  opendkim -f -x "$work/od-$m.conf" >"$work/od-$m.log" 2>&1 &
  pids+=($!)
done

# postern-milter: signer (rsa, then ed25519) and verifier.
common="[log]
destination = \"stderr\"
level = \"warning\"
[dns]
servers = [\"127.0.0.1:$dport\"]
[spf]
enabled = false
[dmarc]
enabled = false"
for kind in rsa ed; do
  sel=sel
  [[ $kind == ed ]] && sel="ed"
  cat >"$work/pm-$kind.conf" <<CONF
$common
[milter]
socket = "unix:$work/pm-$kind.sock"
user = "nobody"
group = "nogroup"
[dkim]
verify = false
[[dkim.key]]
domain = "example.org"
selector = "$sel"
key_file = "$work/keys/example.org.$sel.key"
CONF
done
cat >"$work/pm-verify.conf" <<CONF
$common
[milter]
socket = "unix:$work/pm-verify.sock"
user = "nobody"
group = "nogroup"
[dkim]
sign = false
internal_networks = []
CONF
# The same milter with every check off: what the milter protocol itself costs on this machine with
# the client on the same cores, the ceiling for any check done through it.
cat >"$work/pm-noop.conf" <<CONF
[log]
destination = "stderr"
level = "warning"
[milter]
socket = "unix:$work/pm-noop.sock"
user = "nobody"
group = "nogroup"
[sender]
enabled = false
[dkim]
enabled = false
[spf]
enabled = false
[dmarc]
enabled = false
CONF
for m in rsa ed verify noop; do
  "$milter" -f -c "$work/pm-$m.conf" >"$work/pm-$m.log" 2>&1 &
  pids+=($!)
done
for s in od-sign od-verify pm-rsa pm-ed pm-verify pm-noop; do
  wait_for "$work/$s.sock" || { cat "$work"/*.log; echo "$s did not start" >&2; exit 1; }
done

run() {  # $1 label, $2 socket, $3 client ip, $4 message
  echo "== $1"
  "$client" --milter "$2" --client-ip "$3" --from alice@example.org --rcpt bob@example.org \
    --connections "$connections" --count "$count" "$4"
}
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs; $count messages of $(wc -c <"$work/msg.eml") bytes over $connections connections"
run "opendkim sign rsa-2048" "local:$work/od-sign.sock" 127.0.0.1 "$work/msg.eml"
run "postern-milter sign rsa-2048" "unix:$work/pm-rsa.sock" 127.0.0.1 "$work/msg.eml"
run "postern-milter sign ed25519" "unix:$work/pm-ed.sock" 127.0.0.1 "$work/msg.eml"
run "opendkim verify rsa-2048" "local:$work/od-verify.sock" 192.0.2.1 "$work/signed.eml"
run "postern-milter verify rsa-2048" "unix:$work/pm-verify.sock" 192.0.2.1 "$work/signed.eml"
run "postern-milter, every check off (protocol ceiling)" "unix:$work/pm-noop.sock" 192.0.2.1 "$work/signed.eml"
# The verdicts must be what the benchmark claims: signatures added and verifications passing.
"$client" --milter "unix:$work/pm-rsa.sock" --client-ip 127.0.0.1 --from alice@example.org "$work/msg.eml" |
  grep -q "DKIM-Signature" || { echo "postern-milter did not sign" >&2; exit 1; }
"$client" --milter "unix:$work/pm-verify.sock" --client-ip 192.0.2.1 --from alice@example.org "$work/signed.eml" |
  grep -q "dkim=pass" || { echo "postern-milter did not verify" >&2; exit 1; }
"$client" --milter "local:$work/od-verify.sock" --client-ip 192.0.2.1 --from alice@example.org "$work/signed.eml" |
  grep -q "dkim=pass" || { echo "opendkim did not verify" >&2; cat "$work/od-verify.log"; exit 1; }
echo "== openssl speed (crypto floor, per core)"
openssl speed -seconds 2 rsa2048 2>/dev/null | tail -1
openssl speed -seconds 2 -evp sha256 2>/dev/null | tail -1
