#!/usr/bin/env bash
# Builds Postern and runs the whole test suite: unit, integration (real Postfix, Dovecot, Redis and
# a test DNS server on loopback), corpus replay of every fuzz target; first with gcc (debug,
# -Werror), then with clang under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage (as root on Debian 12):  bash tools/test.sh
# Then it builds the Debian packages and tests them installed (tools/package-test.sh).
# Last it builds the libFuzzer targets (ASan + UBSan) and runs each for a short time, starting from
# its committed corpus: a crash fails the run and its input is kept in build/fuzz/crashes/ (commit
# it to the target's corpus with the fix; docs/fuzzing.md).
# Environment: POSTERN_TEST_PRESETS="debug asan" (default) selects the builds; POSTERN_TEST_FUZZ=0
# skips the fuzzing; POSTERN_FUZZ_SECONDS (default 10) is each target's time;
# POSTERN_TEST_PACKAGES=0 skips the package test.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "tools/test.sh: run as root (it installs packages and starts private Postfix/Dovecot instances)" >&2
  exit 1
fi
bash tools/install-deps.sh

jobs=$(nproc)
presets=${POSTERN_TEST_PRESETS:-debug asan}
status=0
summary=()
for preset in $presets; do
  echo "== build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== test: $preset"
  # ASan: abort on the first error; leaks fail the test. UBSan: print a stack and fail.
  export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  set +e
  ctest --test-dir "build/$preset" --output-on-failure -j "$jobs" --timeout 600 2>&1 | tee "build/$preset/ctest.log"
  rc=${PIPESTATUS[0]}
  set -e
  summary+=("$preset: $(grep -E 'tests passed|tests failed' "build/$preset/ctest.log" | tail -1)")
  [ "$rc" -eq 0 ] || status=1
done

if [ "${POSTERN_TEST_PACKAGES:-1}" = 1 ]; then
  echo "== packages"
  if bash tools/package-test.sh; then
    summary+=("packages: built, lintian-clean, installed, daemons answered, purged clean")
  else
    summary+=("packages: FAILED")
    status=1
  fi
fi

if [ "${POSTERN_TEST_FUZZ:-1}" = 1 ]; then
  secs=${POSTERN_FUZZ_SECONDS:-10}
  echo "== fuzz (libFuzzer under ASan + UBSan, ${secs}s per target, $jobs at a time)"
  cmake --preset fuzz >/dev/null
  targets=()
  for src in tests/fuzz/*_fuzz.cpp; do
    n=${src##*/}
    targets+=("fuzz_${n%_fuzz.cpp}")
  done
  cmake --build --preset fuzz -j "$jobs" --target "${targets[@]}"
  crashes=build/fuzz/crashes
  mkdir -p "$crashes"
  # One seed for every target, from the commit under test: a run is reproducible (the same commit
  # fuzzes the same inputs on any machine, so a crash seen in CI is seen here too) while each commit
  # explores new ones. POSTERN_FUZZ_SEED overrides it.
  seed=${POSTERN_FUZZ_SEED:-$(( 16#$(git rev-parse --short=7 HEAD 2>/dev/null || echo 1) % 2147483647 + 1 ))}
  echo "fuzz seed $seed"
  fuzz_one() {  # target name: runs it from a copy of its corpus; prints a report on failure
    local name=$1 work
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    if ! "build/fuzz/tests/fuzz/fuzz_$name" -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$crashes/$name-" "$work" >/dev/null 2>"$work.log"; then
      echo "fuzz target $name failed (inputs kept in $crashes/):"
      tail -40 "$work.log"
      rm -rf "$work" "$work.log"
      return 1
    fi
    rm -rf "$work" "$work.log"
  }
  export -f fuzz_one
  export secs crashes seed
  fuzz_status=0
  printf '%s\n' "${targets[@]#fuzz_}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}' || fuzz_status=1
  if [ "$fuzz_status" -eq 0 ]; then
    summary+=("fuzz: ${#targets[@]} targets, ${secs}s each, no crash")
  else
    summary+=("fuzz: FAILED (see $crashes)")
    status=1
  fi
fi

echo "== summary"
for s in "${summary[@]}"; do echo "$s"; done
exit $status
