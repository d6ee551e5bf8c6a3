#!/usr/bin/env bash
# Benchmark: `posternctl dmarc report build` over a day of report log lines, in the format
# postern-milter writes (docs/milter.md "Report log"), to check the two promises of issue 19:
# a day of 1,000,000 lines builds in under 10 s, and memory grows with the distinct rows of the
# day, not with the number of messages. Three logs are generated (python3, deterministic):
#   A: 1,000,000 lines over 1,000 distinct rows (40 policy domains)
#   B:   100,000 lines over the same 1,000 distinct rows
#   C: 1,000,000 lines over 100,000 distinct rows
# Each build runs under /usr/bin/time (elapsed and CPU seconds, maximum resident set size); on a
# busy machine the CPU time is the figure to compare. A and B must
# take about the same memory; C more. Usage: bash tools/bench-dmarc-reports.sh
# POSTERN_BUILD=DIR picks the build directory (default build/release); POSTERN_NO_BUILD=1 skips building.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${POSTERN_BUILD:-build/release}
if [[ -z ${POSTERN_NO_BUILD:-} ]]; then
  cmake --preset release >/dev/null
  cmake --build "$build" -j2 --target posternctl >/dev/null
fi
ctl=$build/tools/posternctl/posternctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
day=2026-01-01
begin=1767225600
gen() {  # gen FILE LINES DISTINCT
  python3 - "$1" "$2" "$3" "$begin" <<'PY'
import sys
path, lines, distinct, begin = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(path, "w") as f:
    for i in range(lines):
        k = i % distinct
        dom = "d%d.example" % (k % 40)
        ip = "10.%d.%d.%d" % (k // 65536 % 256, k // 256 % 256, k % 256)
        ok = "true" if k % 3 else "false"
        f.write('{"time":%d,"ip":"%s","header_from":"%s","dmarc":"%s","policy_domain":"%s","org_domain":"",'
                '"p":"reject","sp":"","np":"","adkim":"r","aspf":"r","testing":"n","fo":"0",'
                '"rua":["mailto:dmarc@%s"],"policy_tag":"p","policy":"reject","applied":"none","override":"none",'
                '"disposition":"none","envelope_from":"%s","envelope_to":["example.net"],'
                '"spf":{"domain":"%s","scope":"mfrom","result":"pass","aligned":%s},'
                '"dkim":[{"domain":"%s","selector":"s1","result":"pass","aligned":%s}],"reason":"bench"}\n'
                % (begin + i * 86399 // lines, ip, dom, "pass" if k % 3 else "fail", dom, dom, dom, dom, ok, dom, ok))
PY
}
run() {  # run NAME LINES DISTINCT
  local dir=$work/$1
  mkdir -p "$dir/out"
  gen "$dir/dmarc.log" "$2" "$3"
  touch -d "$day 23:00 UTC" "$dir/dmarc.log"
  printf '[dmarc]\nreport_log = "%s"\n[dmarc.reports]\norg_name = "Bench"\nfrom = "r@bench.example"\n' \
    "$dir/dmarc.log" >"$dir/postern.conf"
  /usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$ctl" -c "$dir/postern.conf" dmarc report build --day $day \
    --out "$dir/out" >/dev/null 2>"$dir/err"
  read -r secs user sys kb <"$dir/time"
  printf '%s: %9d lines, %7d distinct rows: %6.2f s elapsed, %6.2f s CPU, max RSS %6d KB, %s\n' "$1" "$2" "$3" \
    "$secs" "$(echo "$user + $sys" | bc)" "$kb" \
    "$(tail -1 "$dir/err" | sed 's/^posternctl: //')"
}
run A 1000000 1000
run B 100000 1000
run C 1000000 100000
