#!/usr/bin/env bash
# Builds Postern and runs the whole test suite: unit, integration (real Postfix, Dovecot, Redis and
# a test DNS server on loopback), corpus replay of every fuzz target; first with gcc (debug,
# -Werror), then with clang under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage (as root on Debian 12):  bash tools/test.sh
# Then it builds the Debian packages and tests them installed (tools/package-test.sh).
# Environment: POSTERN_TEST_PRESETS="debug asan" (default) selects the builds; POSTERN_TEST_FUZZ=1
# also builds the libFuzzer targets and runs each for POSTERN_FUZZ_SECONDS (default 10) seconds;
# POSTERN_TEST_PACKAGES=0 skips the package test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

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

if [ "${POSTERN_TEST_FUZZ:-0}" = 1 ]; then
  echo "== fuzz (libFuzzer, ${POSTERN_FUZZ_SECONDS:-10}s per target)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  for f in build/fuzz/tests/fuzz/fuzz_*; do
    name=${f##*/fuzz_}
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    "$f" -max_total_time="${POSTERN_FUZZ_SECONDS:-10}" -timeout=10 -artifact_prefix="$work.crash-" "$work" >/dev/null 2>"$work.log" ||
      { echo "fuzz target $name failed:"; tail -40 "$work.log"; status=1; }
    rm -rf "$work" "$work.log"
  done
fi

echo "== summary"
for s in "${summary[@]}"; do echo "$s"; done
exit $status
