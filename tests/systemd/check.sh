#!/bin/sh
# make systemd-check: the systemd unit (etc/systemd/pcibackd.service).
# systemd-analyze verify finds it valid, naming this tree's daemon; its
# sandbox, as "systemd-analyze security --offline=true" scores it, is no
# worse than SECURITY_MAX (today's score with Debian 12's systemd 252;
# lower it when the unit gets stricter, never raise it to pass); the
# capability bounding set is the one the unit's comments explain.
# Prints the analysis, a "systemd: exposure N.N ..." line, then
# "systemd: N passed, N failed".
#   tests/systemd/check.sh [SBINDIR]   (where pcibackd and pcibackctl are;
#                                       default build/gcc)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
sbin=$(cd "${1:-$top/build/gcc}" && pwd)
unit=$top/etc/systemd/pcibackd.service
# In tenths, as systemd-analyze's --threshold counts.
SECURITY_MAX=${SECURITY_MAX:-23}
CAPS="CAP_SYS_ADMIN CAP_SYS_CHROOT CAP_SETUID CAP_SETGID CAP_CHOWN CAP_KILL"
TAP_NAME=systemd
. "$top/tests/tap.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	not_ok "systemd-analyze is installed (make deps)"
	done_
fi
echo "# $(systemd-analyze --version | head -n 1)"

# As make install writes it, naming the daemon under test.
mkdir -p "$T/v"
sed "s,/usr/local/sbin/,$sbin/,g" "$unit" >"$T/v/pcibackd.service"
check "systemd-analyze verify: the unit is valid" \
    systemd-analyze verify --man=no "$T/v/pcibackd.service"

# The score of the unit as shipped; offline, so no manager is needed.
cp "$unit" "$T/pcibackd.service"
(cd "$T" && systemd-analyze security --offline=true \
    --threshold="$SECURITY_MAX" pcibackd.service) >"$T/security" 2>&1
rc=$?
# What still counts against it, and the overall line.
grep -v '^✓' "$T/security" | grep -v '^ *$'
level=$(sed -n 's/^.*Overall exposure level for pcibackd.service: \([0-9.]*\) \([A-Z]*\).*$/\1 \2/p' \
    "$T/security")
max=$((SECURITY_MAX / 10)).$((SECURITY_MAX % 10))
echo "systemd: exposure ${level:-unknown} (at most $max)"
check "systemd-analyze security: exposure ${level%% *}, at most $max" \
    test "$rc" -eq 0 -a -n "$level"

for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
    PrivateTmp=yes DevicePolicy=closed RestrictAddressFamilies=AF_UNIX \
    Type=notify NotifyAccess=main; do
	check "the unit sets $k" grep -qx "$k" "$unit"
done
got=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort |
    tr '\n' ' ')
want=$(echo "$CAPS" | tr ' ' '\n' | sort | tr '\n' ' ')
check "capabilities: $CAPS, no more" test "$got" = "$want"
for d in /dev/xen/evtchn /dev/xen/gntdev /dev/xen/xenbus /dev/xen/privcmd \
    /dev/xen/hypercall /dev/pcishim; do
	check "DeviceAllow=$d rw" grep -qx "DeviceAllow=$d rw" "$unit"
done
# The workers' chroot and set*id calls, within the unit's filter.
check "the system call filter allows chroot and seccomp" \
    grep -qx 'SystemCallFilter=@system-service chroot seccomp' "$unit"
done_
