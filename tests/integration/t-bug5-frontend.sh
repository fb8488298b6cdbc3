#!/bin/sh
# Bug 5: the toolstack names the frontend of backend/pci/<domid>/<devid>
# with "frontend" and "frontend-id".  Anything but exactly
# /local/domain/<domid>/device/pci/<devid> and "<domid>" (here: another
# guest's frontend, or another guest's id) is refused with an error node
# and the log naming the backend path; the backend never exports, never
# connects, and the guest whose frontend was named is not disturbed.
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start
witness_start 5 0000:00:04.0

# --- "frontend" is another guest's ------------------------------------
guest_start a 6 --run-ms 20000
wait_domain 6
xl -w 1000 attach 6 0000:00:03.0 --starting \
    --frontend /local/domain/5/device/pci/0
check "path: backend went Closing" wait_until 5 state_written 6 5
check "path: error node says which frontend it wanted" \
    error_like 6 '13 frontend: not /local/domain/6/device/pci/0'
check "path: log names the backend path" \
    log_has 'dom6: /local/domain/0/backend/pci/6/0 refused: frontend: not'
check "path: the device was not exported" \
    sh -c '! grep -q "dom6 0000:00:03.0: exported" "$1"' x "$T/daemon.log"
check "path: never connected" \
    sh -c '! grep -Eq "dom6: (connected|adopted)" "$1"' x "$T/daemon.log"
check "path: the device is still free" dump_has 0000:00:03.0 free
check "path: the named guest's frontend was not touched" \
    xs_is /local/domain/5/device/pci/0/state 4
check "path: the named guest is still served" witness_served
check "path: show guests: dom6 Closing, its frontend Unknown (none taken)" \
    sh -c '"$1" -s "$2" -j show guests | python3 -c "
import json, sys
g = [x for x in json.load(sys.stdin) if x[\"domid\"] == 6][0]
sys.exit(not (g[\"state\"] == \"Closing\" and g[\"frontend_state\"] == \"Unknown\" and not g[\"connected\"]))"' \
    x "$PCIBACKCTL" "$T/pcibackd.sock"
xl -w 300 destroy 6
guest_stop a

# --- "frontend-id" is another guest's ----------------------------------
guest_start b 7 --run-ms 20000
wait_domain 7
xl -w 1000 attach 7 0000:00:03.0 --starting --frontend-id 5
check "id: backend went Closing" wait_until 5 state_written 7 5
check "id: error node" error_like 7 '13 frontend-id: wrong, not 7'
check "id: log names the backend path" \
    log_has 'dom7: /local/domain/0/backend/pci/7/0 refused: frontend-id'
check "id: never connected" \
    sh -c '! grep -Eq "dom7: (connected|adopted)" "$1"' x "$T/daemon.log"
check "id: the device is still free" dump_has 0000:00:03.0 free
xl -w 300 destroy 7
guest_stop b

# --- a restart does not adopt what it should refuse ---------------------
guest_start c 8 --run-ms 20000
wait_domain 8
xl -w 1000 attach 8 0000:00:03.0 --starting --frontend-id 9
check "restart: refused before" wait_until 5 state_written 8 5
daemon_stop KILL
daemon_start
check "restart: refused again, not adopted" \
    wait_until 5 log_has 'dom8: /local/domain/0/backend/pci/8/0 refused'
check "restart: never connected" \
    sh -c '! grep -Eq "dom8: (connected|adopted)" "$1"' x "$T/daemon.log"
xl -w 300 destroy 8
guest_stop c

check "witness: every read right, none timed out" witness_end
check "a well-formed guest is served" serves 10 0000:00:03.0 p
t_done
