#!/usr/bin/env bash
# Builds the Debian packages from a clean copy of the tree, checks them with lintian, installs
# them, starts the daemons as their systemd units would (as user postern; no systemd needed),
# checks they answer on their packaged sockets and that their decision lines (and the Dovecot
# module's) arrive in /var/log/mail.log through syslog, runs the end-to-end suites against the installed
# programs and Dovecot module (POSTERN_TEST_INSTALLED=1, tests/harness/installed.h), upgrades to
# the same packages with a higher version and checks that config, state and the owners and modes
# an admin set survive, then purges and checks nothing is left behind.
# Syslog: where no syslog daemon runs (a container without systemd), it starts rsyslogd with
# Debian's configuration (mail.* to /var/log/mail.log) for the test and stops it at the end; under
# systemd it starts the rsyslog service (journald forwards to it).
# Usage (as root on Debian 12):  bash tools/package-test.sh
# The end-to-end suites come from build/debug (tools/test.sh builds it first; otherwise this
# script builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash tools/install-deps.sh
work=$(mktemp -d /tmp/postern-pkg.XXXXXX)
pids=()
rsyslog_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$rsyslog_pid" ]; then kill "$rsyslog_pid" 2>/dev/null || true; fi
  dpkg --purge postern-milter postern-policyd postern-tools dovecot-postern postern-common >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

# State left by an earlier, interrupted run (or by a tool run as root with the default config) would
# belong to root and lock the packaged daemons out of their own store.
if ! dpkg -s postern-common >/dev/null 2>&1 && [ -e /var/lib/postern ]; then
  echo "removing stale /var/lib/postern (postern-common is not installed)"
  rm -rf /var/lib/postern
fi

echo "== build packages"
git -C "$root" archive --format=tar HEAD | (mkdir -p "$work/src" && tar -x -C "$work/src")
(cd "$work/src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || { tail -40 "$work/build.log"; fail "dpkg-buildpackage"; }
debs=$(for d in "$work"/*.deb; do [[ $d == *dbgsym* ]] || echo "$d"; done)
echo "$debs" | sed 's|.*/|  |'

echo "== lintian"
lintian --tag-display-limit 0 "$work"/*.changes >"$work/lintian.log" 2>&1 || true
if grep -q '^E: ' "$work/lintian.log"; then grep '^E: ' "$work/lintian.log"; fail "lintian errors"; fi
echo "  no errors ($(grep -c '^W: ' "$work/lintian.log" || true) warnings)"

abi="dovecot-abi-$(cat /usr/share/dovecot/dovecot-abi)"
dpkg-deb -f "$(ls "$work"/dovecot-postern_*.deb)" Depends | grep -q "$abi" || fail "dovecot-postern must depend on $abi"

echo "== install"
dpkg -i $debs >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
id postern >/dev/null || fail "no postern user"
[ "$(stat -c '%U:%G %a' /var/lib/postern)" = "postern:postern 2770" ] || fail "/var/lib/postern ownership"
[ "$(stat -c '%U:%G %a' /var/spool/postfix/postern)" = "postern:postfix 2750" ] || fail "socket dir ownership"
[ "$(stat -c '%U:%G %a' /etc/postern/postern.conf)" = "root:postern 640" ] || fail "config permissions"
posternctl config check >/dev/null || fail "posternctl config check on the packaged config"
comp=/usr/share/bash-completion/completions/posternctl
[ -f "$comp" ] || fail "postern-tools installs no bash completion ($comp)"
# shellcheck disable=SC1090
(source "$comp" && COMP_WORDS=(posternctl gr) && COMP_CWORD=1 && _posternctl && [ "${COMPREPLY[*]}" = greylist ]) ||
  fail "bash completion of posternctl"

# Starts both daemons as their units do and waits for their sockets; $1 names this start's logs.
start_daemons() {
  rm -f /var/spool/postfix/postern/policy.sock /var/spool/postfix/postern/milter.sock
  for d in postern-policyd postern-milter; do
    exec_start=$(sed -n 's/^ExecStart=//p' "/lib/systemd/system/$d.service")
    (umask 0007 && exec runuser -u postern -- $exec_start) >"$work/$d.$1.log" 2>&1 &
    pids+=($!)
  done
  for s in policy milter; do
    for _ in $(seq 1 100); do [ -S "/var/spool/postfix/postern/$s.sock" ] && break; sleep 0.1; done
    [ -S "/var/spool/postfix/postern/$s.sock" ] || { cat "$work"/*."$1".log; fail "$s.sock missing ($1)"; }
  done
}

echo "== syslog: /var/log/mail.log, where an admin looks"
maillog=/var/log/mail.log
if [ -d /run/systemd/system ]; then
  systemctl start rsyslog || fail "systemctl start rsyslog"
elif ! { [ -f /run/rsyslogd.pid ] && kill -0 "$(cat /run/rsyslogd.pid)" 2>/dev/null; }; then
  rsyslogd -i "$work/rsyslogd.pid" || fail "rsyslogd did not start"
  for _ in $(seq 1 100); do [ -s "$work/rsyslogd.pid" ] && [ -S /dev/log ] && break; sleep 0.1; done
  rsyslog_pid=$(cat "$work/rsyslogd.pid")
  [ -S /dev/log ] || fail "rsyslogd started but /dev/log is missing"
  echo "  started rsyslogd (pid $rsyslog_pid) for the test"
fi
touch "$maillog"
maillog_from=$(($(stat -c %s "$maillog") + 1))
# Waits until the mail log (what was written since the test began) has a line matching $1.
expect_in_maillog() {
  for _ in $(seq 1 100); do
    tail -c "+$maillog_from" "$maillog" | grep -qE "$1" && return 0
    sleep 0.1
  done
  echo "--- $maillog since the test began:" >&2
  tail -c "+$maillog_from" "$maillog" | tail -20 >&2
  fail "no line matching '$1' in $maillog"
}

echo "== start the daemons as the units do (User=postern, UMask=0007)"
start_daemons first
for s in policy milter; do
  [ "$(stat -c '%G %a' /var/spool/postfix/postern/$s.sock)" = "postfix 660" ] || fail "$s.sock must be postfix 0660"
done
reply=$(python3 - <<'PY'
import socket
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect('/var/spool/postfix/postern/policy.sock')
s.sendall(b'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\n'
          b'sender=a@example.org\nrecipient=b@example.net\n\n')
print(s.recv(4096).decode().strip())
PY
)
[[ "$reply" == action=DEFER_IF_PERMIT* ]] || fail "policy answer was: $reply"
echo "  policy socket answered: $reply"
printf 'From: a@example.org\nTo: b@example.net\nSubject: package test\n\nhello\n' >"$work/message.eml"
verdict=$(postern-milter-client --milter unix:/var/spool/postfix/postern/milter.sock --client-ip 127.0.0.1 \
  --from a@example.org --rcpt b@example.net "$work/message.eml") || fail "postern-milter-client: $verdict"
echo "  milter socket answered: $(echo "$verdict" | head -1)"
# The units run the daemons with -f; that must not divert their lines from syslog (facility mail).
expect_in_maillog 'postern-policyd\[[0-9]+\]: policy .*client=192\.0\.2\.7 .*action=DEFER_IF_PERMIT'
expect_in_maillog 'postern-milter\[[0-9]+\]: message .*client=127\.0\.0\.1'
echo "  decision lines of postern-policyd and postern-milter are in $maillog"

echo "== dovecot-postern: a private Dovecot with passdb driver = postern, lockout state in /var/lib/postern"
[ -f /usr/lib/dovecot/modules/auth/libauthdb_postern.so ] || fail "libauthdb_postern.so not installed"
dv="$work/dovecot"
mkdir -p "$dv/run" "$dv/state"
chmod 755 "$work" "$dv"
printf 'alice@example.org:%s::::::\n' "$(printf 'alice-pw' | posternctl passwd)" >"$dv/users"
chmod 644 "$dv/users"
cat >"$dv/postern.conf" <<CONF
[log]
destination = "syslog"
[auth]
passwd_file = "$dv/users"
[auth.lockout]
user_failures = 2
refusal_delay = "0s"
CONF
cat >"$dv/dovecot.conf" <<CONF
base_dir = $dv/run
state_dir = $dv/state
log_path = $dv/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_failure_delay = 0
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
passdb {
  driver = postern
  args = $dv/postern.conf
}
!include /etc/dovecot/conf.d/99-postern.conf
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$dv/home/%u
}
CONF
dovecot -F -c "$dv/dovecot.conf" >"$work/dovecot.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$dv/run/auth-userdb" ] && break; sleep 0.1; done
auth() { doveadm -c "$dv/dovecot.conf" auth test -x rip="$1" alice@example.org "$2" 2>&1 || true; }
[[ "$(auth 192.0.2.1 alice-pw)" == *"auth succeeded"* ]] || { cat "$dv/dovecot.log"; fail "good password refused"; }
[[ "$(auth 203.0.113.1 wrong)" == *"auth failed"* ]] || fail "wrong password accepted"
auth 203.0.113.1 wrong >/dev/null
[[ "$(auth 203.0.113.1 alice-pw)" == *"auth failed"* ]] || { cat "$dv/dovecot.log"; fail "locked source accepted"; }
expect_in_maillog 'postern-auth\[[0-9]+\]: lockout .*user=alice@example\.org'
list=$(posternctl lockout list)
[[ "$list" == *"user_network  203.0.113.1/32  alice@example.org"* ]] || fail "lockout not in the shared store: $list"
posternctl lockout unlock alice@example.org >/dev/null || fail "posternctl lockout unlock"
[[ "$(auth 203.0.113.1 alice-pw)" == *"auth succeeded"* ]] || fail "still locked after unlock"
echo "  doveadm auth test: good login, wrong password, lockout in /var/lib/postern (logged to $maillog), unlock: ok"

echo "== end-to-end suites against the installed programs (POSTERN_TEST_INSTALLED=1)"
# Every suite that starts postern-milter, postern-policyd, posternctl, postern-milter-client or the
# Dovecot module; the count check below catches a rename that would silently match nothing.
e2e='^(DovecotPlugin|MilterClientCli|MilterDkimDmarc|MilterLocalDomains|MilterProtocol|MilterReload|MilterSender|MilterSenderSoft|OpenDkim|PolicydDaemon|PolicydWithPostfix|PolicydConcurrency|PolicydRatelimit|AccountGuardE2E|PosternMilter|Posternctl|PosternctlDkim|PosternctlDmarc|PosternctlSpf|Spoofs/MilterForgedHeaders)[./]|milter_spoof_matrix_test$'
build="$root/build/debug"
if [ ! -x "$build/tests/milter/milter_sender_test" ]; then
  (cd "$root" && cmake --preset debug >/dev/null && cmake --build --preset debug -j "$(nproc)") >"$work/e2e-build.log" 2>&1 ||
    { tail -40 "$work/e2e-build.log"; fail "building the end-to-end suites"; }
fi
count=$(ctest --test-dir "$build" -N -R "$e2e" | sed -n 's/^Total Tests: //p')
[ "${count:-0}" -ge 50 ] || fail "only ${count:-0} end-to-end tests matched"
POSTERN_TEST_INSTALLED=1 ctest --test-dir "$build" -R "$e2e" -j "$(nproc)" --timeout 600 --output-on-failure \
  >"$work/e2e.log" 2>&1 || { grep -B2 -A30 -E '\*\*\*Failed|Exception' "$work/e2e.log" | head -200; fail "end-to-end suites against the installed programs"; }
echo "  $(grep -E 'tests passed' "$work/e2e.log")"

echo "== upgrade: the same packages with a higher version; config, state and the admin's modes must survive"
for p in "${pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
pids=()
echo "# changed by the admin before the upgrade" >>/etc/postern/postern.conf
# An admin who tightens the modes (no Dovecot passdb here, so the group need not write the state).
chmod 0710 /etc/postern
chmod 2750 /var/lib/postern
before_list=$(posternctl greylist list)
[[ "$before_list" == *192.0.2.* ]] || fail "no greylist triplet before the upgrade: $before_list"
ls /var/lib/postern/* >/dev/null 2>&1 || fail "no state in /var/lib/postern before the upgrade"
state_before=$(stat -c '%n %U:%G %a' /var/lib/postern /var/lib/postern/*)
mkdir "$work/v2"
for deb in $debs; do
  x="$work/v2/x"
  dpkg-deb -R "$deb" "$x"
  sed -i -E 's/^Version: (.*)$/Version: \1+upgradetest1/' "$x/DEBIAN/control"
  sed -i -E 's/^(Depends: .*postern-common \(= )([^)]*)\)/\1\2+upgradetest1)/' "$x/DEBIAN/control"
  dpkg-deb -b "$x" "$work/v2/" >/dev/null
  rm -rf "$x"
done
dpkg -i "$work"/v2/*.deb >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "dpkg -i of the upgrade"; }
[ "$(dpkg-query -W -f '${Version}' postern-common)" = "$(dpkg-deb -f "$(ls "$work"/v2/postern-common_*.deb)" Version)" ] ||
  fail "postern-common was not upgraded"
grep -q "changed by the admin before the upgrade" /etc/postern/postern.conf || fail "the admin's config change was lost"
[ "$(stat -c '%U:%G %a' /etc/postern/postern.conf)" = "root:postern 640" ] || fail "config permissions after upgrade"
[ "$(stat -c '%U:%G %a' /etc/postern)" = "root:postern 710" ] || fail "the admin's mode of /etc/postern was not kept"
[ "$(stat -c '%U:%G %a' /var/lib/postern)" = "postern:postern 2750" ] || fail "the admin's mode of /var/lib/postern was not kept"
[ "$(stat -c '%n %U:%G %a' /var/lib/postern /var/lib/postern/*)" = "$state_before" ] || fail "state files changed owner or mode"
[ "$(posternctl greylist list)" = "$before_list" ] || fail "greylist state lost in the upgrade"
start_daemons upgraded
echo "  admin's config and modes kept, state ($(echo "$before_list" | grep -c .) greylist lines) kept, daemons start again"
for p in "${pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
pids=()

echo "== purge"
dpkg --purge dovecot-postern postern-milter postern-policyd postern-tools postern-common >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
left=""
for p in /etc/postern /var/lib/postern /var/spool/postfix/postern /usr/sbin/postern-policyd /usr/sbin/postern-milter \
         /usr/sbin/posternctl /usr/share/bash-completion/completions/posternctl /lib/systemd/system/postern-policyd.service /lib/systemd/system/postern-milter.service \
         /usr/lib/dovecot/modules/auth/libauthdb_postern.so /etc/dovecot/conf.d/99-postern.conf; do
  [ -e "$p" ] && left="$left $p"
done
id postern >/dev/null 2>&1 && left="$left user:postern"
[ -z "$left" ] || fail "left behind after purge:$left"
echo "package-test: 1 passed, 0 failed"
