#!/usr/bin/env bash
# Installs, from Debian 12's archive only, everything Postern needs to build, test, benchmark and run
# its demo. Idempotent; needs root. Used by the README's two commands and by .ci/run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  # build
  cmake ninja-build g++ clang clang-format libclang-rt-14-dev pkg-config shellcheck
  # libraries
  libmilter-dev dovecot-dev libssl-dev libopendkim-dev libldns-dev liblmdb-dev libhiredis-dev
  libtomlplusplus-dev libgtest-dev libgmock-dev libsqlite3-dev libcrypt-dev
  libidn2-dev zlib1g-dev libxml2-dev
  # tests: xmllint validates the DMARC aggregate reports against RFC 9990's schema
  libxml2-utils
  # real peers used by the integration tests and the demo
  postfix dovecot-core dovecot-imapd dovecot-pop3d redis-server swaks lmdb-utils
  # a validating resolver and zone signing for the DANE / DNSSEC tests of posternctl dns-records
  unbound ldnsutils
  # independent implementations for interop and benchmarks
  opendkim opendkim-tools opendmarc postgrey policyd-rate-limit python3-dkim libmail-dkim-perl
  # tools/bench-dmarc.sh brings up loopback in its private network namespace with ip
  iproute2
  # packaging
  debhelper devscripts lintian fakeroot
  # the package test checks the daemons' lines arrive in /var/log/mail.log (syslog, facility mail)
  rsyslog
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Postfix asks debconf questions on install; answer them so the install never prompts.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string localhost" | debconf-set-selections
  # Keep package installs from starting system daemons on a test machine.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
