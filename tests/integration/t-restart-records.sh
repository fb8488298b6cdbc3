#!/bin/sh
# Restart records that are not what the daemon writes (daemon/record.c):
# cut short, another version, unknown or malformed lines, named as
# another instance, too large, a link, a directory, someone else's; each
# is said with its name and removed (a directory said and left), never
# used.  Well-formed records that do not describe the domain's
# connection (no such domain, a guest not connected, another guest's
# frontend, a device not held, two devices at one guest address) are
# undone and the guest adopted from xenstore.  A record directory that
# is not the daemon's alone, and a record that cannot be written, are
# said; guests are served without them.  Each restart here kills the
# workers too (KILLALL): a record edited by hand no longer names the
# worker left serving, whose handle holds the guest's port.
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start

guest_start g 5 --paused --run-ms 60000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause g
check "guest connects" wait_event g connected
R=$T/restart
check "its record is written, with both devices" wait_until 5 \
    sh -c 'test "$(grep -c "^dev " "$1")" -eq 2' x "$R/5.0"
guest_start h 6 --paused --run-ms 60000
wait_domain 6
xl attach 6 0000:00:04.0 --starting
check "booting guest: backend Initialised" wait_until 5 be_state_is 6 3
daemon_stop KILLALL
cp "$R/5.0" "$T/good"

# forge DOMID DEVID: the good record renumbered, on stdout.
forge() {
	sed -e "s/^domid .*/domid $1/" -e "s/^devid .*/devid $2/" \
	    -e "s|^frontend .*|frontend /local/domain/$1/device/pci/$2|" \
	    "$T/good"
}
# put NAME: stdin as the record NAME, 600 as the daemon writes them.
put() {
	cat >"$R/$1"
	chmod 600 "$R/$1"
}

: | put 9.0
forge 9 1 | sed '1s/1$/2/' | put 9.1
printf '%s' "$(forge 9 2)" | put 9.2
{ forge 9 3; echo "colour blue"; } | put 9.3
{ forge 9 4; echo "grant"; } | put 9.4
forge 9 5 | sed 's/^domid 9/domid 09/' | put 9.5
forge 9 6 | sed 's/^port .*/port 0/' | put 9.6
forge 9 7 | sed 's/^grant .*/grant abc/' | put 9.7
forge 9 8 | sed "s|^frontend .*|frontend /$(printf '%0300d' 0)|" | put 9.8
{ forge 9 9; echo "dev 0000:00:03.0"; } | put 9.9
{ forge 9 10; echo "dev 0000:00:zz.0 0000:00:07.00"; } | put 9.10
{ forge 9 11; echo "dev 0000:00:03.0 0000:00:40.00"; } | put 9.11
{ forge 9 12; i=0; while [ $i -le 256 ]; do
	echo "dev 0000:01:00.0 0000:00:00.00"; i=$((i + 1)); done; } | put 9.12
forge 9 13 | grep -v '^frontend ' | put 9.13
forge 5 0 | put 9.14
forge 9 16 | sed 's/^domid 9/domid 70000/' | put 9.16
forge 9 17 | sed 's/^devid .*/devid 1024/' | put 9.17
{ forge 9 18; i=0; while [ $i -lt 400 ]; do
	printf '# %060d\n' $i; i=$((i + 1)); done; } | put 9.18
ln -s "$T/good" "$R/9.19"
{ forge 9 22; echo "dev 0000:00:03.0 0000:00:07.00 command 0x10000"; } | put 9.22
{ forge 9 23; echo "dev 0000:00:03.0 0000:00:07.00 command"; } | put 9.23
{ forge 9 24; echo "dev 0000:00:03.0 0000:00:07.00 colour 0x6"; } | put 9.24
{ forge 9 25 | grep -v '^worker '; echo "worker 12345"; } | put 9.25
{ forge 9 26 | grep -v '^worker '; echo "worker 1 100"; } | put 9.26
{ forge 9 27 | grep -v '^worker '; echo "worker 12345 0"; } | put 9.27
{ forge 9 28 | grep -v '^worker '; echo "worker x 100"; } | put 9.28
{ forge 9 29 | grep -v '^worker '; echo "worker 12345 -1"; } | put 9.29
forge 9 30 | grep -v '^port ' | put 9.30
forge 9 31 | sed 's/^port .*/port abc/' | put 9.31
# Someone else's: only root can make one.
forged="0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 16 17 18 19 22 23 24 25 26 27 28 29 30 31"
forge 9 20 | put 9.20
if chown 65534 "$R/9.20" 2>/dev/null; then
	forged="$forged 20"
else
	rm -f "$R/9.20"
fi
mkdir "$R/9.21"
# Well-formed, but not this machine's guests as they are now.
forge 40 0 | put 40.0
forge 6 0 | put 6.0
forge 7 0 | sed 's|^frontend .*|frontend /local/domain/5/device/pci/0|' | put 7.0

daemon_start
for n in $forged; do
	check "restart/9.$n: said not to be a record of ours and removed" \
	    sh -c 'grep -q "restart/9\.$1: not a restart record of ours; removed" "$2" &&
	    ! test -e "$3/9.$1" && ! test -L "$3/9.$1"' x "$n" "$T/daemon.log" "$R"
done
check "restart/9.21, a directory: said, not removed" \
    log_has 'restart/9\.21: not used as a restart record; cannot remove it'
check "... and left" test -d "$R/9.21"
check "no such domain: not served from its record" \
    log_has 'dom40: its restart record does not apply \(not the domain it was made for\)'
check "a booting guest: not served from its record" \
    log_has 'dom6: its restart record does not apply \(not connected\)'
check "a record naming another guest's frontend: said" \
    log_has "dom7: its restart record names another guest's frontend \(frontend: not /local/domain/7/device/pci/0\)"
check "the connected guest served from its own record" \
    log_has 'dom5: adopted a connected guest \(grant [0-9]+, port [0-9]+\) from its restart record'
check "no instance made for dom40 or dom7" \
    sh -c '! grep -Eq "dom(40|7)[: ].*adopted" "$1"' x "$T/daemon.log"
check "0000:00:04.0 still dom6's" dump_has 0000:00:04.0 'owned by dom6'
guest_unpause h
check "booting guest connects through the new daemon" wait_event h connected

# A device the daemon no longer holds, then two devices at one guest
# address: undone after the device is claimed, adopted from xenstore.
adoptions() {
	test "$(grep -c "dom5: adopted a connected guest" "$T/daemon.log")" -eq "$1"
}
n0=$(grep -c "dom5: adopted a connected guest" "$T/daemon.log")
daemon_stop KILLALL
{ cat "$T/good"; echo "dev 0000:00:1f.0 0000:00:02.00"; } | put 5.0
daemon_start
check "a device not held: not served from the record" log_has \
    'dom5: its restart record does not apply \(a device is no longer the guest.s\)'
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 1))
daemon_stop KILLALL
sed 's/^\(dev [^ ]*\) .*/\1 0000:00:00.00/' "$T/good" | put 5.0
daemon_start
check "two devices at one guest address: not served from the record" \
    log_has 'dom5: its restart record does not apply \(a guest address is not valid\)'
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 2))
check "... 0000:00:03.0 still dom5's" dump_has 0000:00:03.0 'owned by dom5'
check "... 0000:00:05.0 still dom5's" dump_has 0000:00:05.0 'owned by dom5'

daemon_stop KILLALL
sed 's/^port .*/port 99/' "$T/good" | put 5.0
daemon_start
check "a record naming another port: not served from it" \
    log_has 'dom5: its restart record does not apply \(another grant or port\)'
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 3))
daemon_stop KILLALL
sed 's/^grant .*/grant 77/' "$T/good" | put 5.0
daemon_start
check "a record naming another grant: not served from it" \
    log_has 'dom5: its restart record does not apply \(another grant or port\)'
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 4))
n0=$((n0 + 2))

# A record that cannot be removed when its guest goes (a directory in
# its place): said with its path; the device given back all the same.
guest_start k 8 --paused --run-ms 60000
wait_domain 8
xl attach 8 0000:00:02.0 --starting
guest_unpause k
check "dom8 connects" wait_event k connected
check "... its record written" wait_until 5 test -f "$R/8.0"
rm -f "$R/8.0"
mkdir "$R/8.0"
guest_stop k
xl destroy 8
# The removal's own line: a rewrite of the record (its worker's Command
# values) fails on the directory too, but says its guest first.
check "a record that cannot be removed as its guest goes: said" \
    wait_until 5 log_has "^$R/8\\.0: Is a directory"
check "... the device free again" wait_until 10 dump_has 0000:00:02.0 free
rmdir "$R/8.0"
# A record giving a device another guest address than xenstore's vdev-N:
# served, then undone once xenstore is read; adopted at vdev-N's.
daemon_stop KILLALL
sed 's/^\(dev 0000:00:03.0\) .*/\1 0000:00:07.00/' "$T/good" | put 5.0
daemon_start
check "a record's guest address not xenstore's: undone after the scan" \
    wait_until 5 log_has \
    'dom5: its restart record does not apply \(a device not in its slots\)'
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 4))
check "... at vdev-0's address" xs_is "$(be 5)/vdev-0" 0000:00:00.00
n0=$((n0 + 2))
# The toolstack's frontend node changed while no daemon ran (another
# guest's): served from the record, undone once xenstore is read, then
# refused as the adoption refuses it.
daemon_stop KILLALL
xenstore-write "$(be 6)/frontend" /local/domain/5/device/pci/0
daemon_start
check "dom6's frontend node changed: its record undone" wait_until 5 \
    log_has 'dom6: its restart record does not apply \(another frontend\)'
check "... refused as from xenstore, the error node naming the path" \
    wait_until 5 error_like 6 '*not /local/domain/6/device/pci/0*'
check "... its device free again" dump_has 0000:00:04.0 free
n0=$((n0 + 1))

# A record that cannot be written (its temporary name is a directory,
# then its name a full one): said with the guest and path, guest served.
daemon_stop KILLALL
rm -f "$R/5.0"
mkdir "$R/5.0.new"
daemon_start
check "a record that cannot be created: said" wait_until 5 \
    log_has "dom5: $R/5\\.0\\.new: Is a directory"
check "... the guest still adopted" wait_until 5 adoptions $((n0 + 3))
daemon_stop KILLALL
rmdir "$R/5.0.new"
mkdir -p "$R/5.0/x"
daemon_start
check "a record that cannot be renamed into place: said" wait_until 5 \
    log_has "dom5: $R/5\\.0: (Is a directory|Directory not empty)"
check "... its temporary file removed" test ! -e "$R/5.0.new"
check "... the guest still adopted" wait_until 5 adoptions $((n0 + 4))
daemon_stop KILLALL
rm -rf "$R/5.0" "$R/9.21"

# The directory others may read: no records at all, said at start.
chmod 755 "$R"
daemon_start
check "a record directory others may read: said, not used" log_has \
    "$R: not a directory of ours only: no restart records"
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 5))
check "... no record written" test ! -e "$R/5.0"
daemon_stop KILLALL
# Ours only by its mode, another user's by its owner: the same.
said=2
chmod 700 "$R"
if chown 65534 "$R" 2>/dev/null; then
	daemon_start
	check "a record directory another user owns: said, not used" \
	    wait_until 5 sh -c \
	    'test "$(grep -c "$1: not a directory of ours only" "$2")" -eq 2' \
	    x "$R" "$T/daemon.log"
	check "... the guest adopted from xenstore" \
	    wait_until 5 adoptions $((n0 + 6))
	check "... no record written" test ! -e "$R/5.0"
	daemon_stop KILLALL
	said=3
	n0=$((n0 + 1))
fi
rm -rf "$R"
touch "$R"
# The guest addresses in xenstore, which the adoption keeps, changed
# while no daemon ran: one no address, then one another device has.
xenstore-write "$(be 5)/vdev-0" bogus
daemon_start
check "a file where the directory goes: said" wait_until 5 sh -c \
    'test "$(grep -c "$1: not a directory of ours only" "$2")" -eq "$3"' \
    x "$R" "$T/daemon.log" "$said"
check "... the guest adopted from xenstore" wait_until 5 adoptions $((n0 + 6))
check "a vdev-N that is no address: the device placed afresh, written back" \
    xs_is "$(be 5)/vdev-0" 0000:00:00.00
daemon_stop KILLALL
xenstore-write "$(be 5)/vdev-1" 0000:00:00.00
daemon_start
check "a vdev-N another device has: adopted" wait_until 5 adoptions $((n0 + 7))
check "... placed at the next free slot, written back" \
    xs_is "$(be 5)/vdev-1" 0000:00:01.00
check "hot-attach after it all" xl attach 5 0000:00:02.0
check "guest reconfigures" wait_event g reconfigured
check "no error node" test -z "$(error_node 5)"
guest_stop g
guest_stop h
check "guest: no unexpected replies" test "$(gval g errors)" = 0
check "daemon still running" daemon_alive
t_done
