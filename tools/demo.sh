#!/usr/bin/env bash
# The five-minute tour: builds Postern, then starts on 127.0.0.1 (ports chosen at run time, all in
# one temporary directory) a test DNS server with demo zones, a private Postfix wired to
# postern-milter and postern-policyd, a private Dovecot using the postern passdb for IMAP and for
# Postfix's SMTP AUTH, with the embedded LMDB store; sends example mail, prints what happened, and
# ends with posternctl audit of those instances (their TLS and SASL posture, probed live).
# Everything it started is stopped and removed when it ends (POSTERN_KEEP_TMP=1 keeps the files).
# Usage (as root on Debian 12):  bash tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "tools/demo.sh: run as root (it installs packages and starts private Postfix/Dovecot instances)" >&2
  exit 1
fi
bash tools/install-deps.sh
cmake --preset release >/dev/null
# Only what the demo runs (the daemons, posternctl, the passdb module and the demo driver), not the
# test suite: on a fresh machine that is the difference between a few minutes and eleven.
cmake --build --preset release -j "$(nproc)" --target postern-demo
exec build/release/tools/demo/postern-demo --build-dir build/release "$@"
