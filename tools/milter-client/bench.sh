#!/usr/bin/env bash
# Benchmark: Debian's opendkim (signing) and postern-milter on the same machine, same run, same
# message, driven by postern-milter-client over unix sockets and over TCP. Starts both milters in a
# temporary directory (TCP ports chosen here, on loopback), prints each benchmark summary, and
# removes everything on exit. Usage (root, Debian 12, after a release build):
#   bash tools/milter-client/bench.sh [COUNT] [CONNECTIONS]
# Binaries come from $POSTERN_BUILD (default build/release); CLIENT=... and MILTER=... override.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-2000}
connections=${2:-4}
build=${POSTERN_BUILD:-build/release}
client=${CLIENT:-$build/tools/milter-client/postern-milter-client}
milter=${MILTER:-$build/milter/postern-milter}
for b in "$client" "$milter"; do
  [[ -x $b ]] || { echo "missing $b: cmake --build --preset release --target postern-milter-client postern-milter" >&2; exit 1; }
done
command -v opendkim >/dev/null || { echo "opendkim is not installed" >&2; exit 1; }
work=$(mktemp -d /tmp/postern-milter-bench.XXXXXX)
chmod 755 "$work"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 200); do [[ -S $1 ]] && return 0; sleep 0.05; done; return 1; }
wait_port() { for _ in $(seq 1 200); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# One message: 5 header fields, 80 body lines.
{
  printf 'From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: benchmark\n'
  printf 'Date: Mon, 23 Nov 2026 07:00:00 +0000\nMessage-ID: <bench@example.org>\n\n'
  for i in $(seq 1 80); do printf 'A body line of a typical message, about seventy characters long..... %d\n' "$i"; done
} >"$work/msg.eml"

openssl genrsa -out "$work/sel.private" 2048 2>/dev/null
chmod 600 "$work/sel.private"
dkim_port=$(port)
for mode in unix inet; do
  sock="local:$work/dkim.sock"
  [[ $mode == inet ]] && sock="inet:$dkim_port@127.0.0.1"
  cat >"$work/dkim-$mode.conf" <<CONF
Syslog no
Mode sv
Domain example.org
Selector sel
KeyFile $work/sel.private
Socket $sock
InternalHosts 127.0.0.1
RequireSafeKeys no
CONF
  opendkim -f -x "$work/dkim-$mode.conf" >"$work/opendkim-$mode.log" 2>&1 &
  pids+=($!)
done

echo "sales@example.org alice@example.org" >"$work/senders"
pm_port=$(port)
for mode in unix inet; do
  sock="unix:$work/milter.sock"
  [[ $mode == inet ]] && sock="inet:127.0.0.1:$pm_port"
  cat >"$work/postern-$mode.conf" <<CONF
[log]
destination = "stderr"
level = "warning"
[milter]
socket = "$sock"
user = "nobody"
group = "nogroup"
[sender]
login_maps = ["$work/senders"]
CONF
  "$milter" -f -c "$work/postern-$mode.conf" >"$work/postern-$mode.log" 2>&1 &
  pids+=($!)
done
wait_for "$work/dkim.sock" && wait_for "$work/milter.sock" && wait_port "$dkim_port" && wait_port "$pm_port" ||
  { echo "milters did not start; logs in $work" >&2; exit 1; }

run() {  # $1 label, then client arguments
  local label=$1
  shift
  echo "== $label"
  "$client" "$@" --from alice@example.org --connections "$connections" --count "$count" "$work/msg.eml"
}
run "opendkim signing, unix" --milter "local:$work/dkim.sock" --client-ip 127.0.0.1
run "postern-milter sender ownership, unix" --milter "unix:$work/milter.sock" --macro 'mail:{auth_authen}=alice@example.org'
run "opendkim signing, inet" --milter "inet:$dkim_port@127.0.0.1" --client-ip 127.0.0.1
run "postern-milter sender ownership, inet" --milter "inet:127.0.0.1:$pm_port" --macro 'mail:{auth_authen}=alice@example.org'
