#!/usr/bin/env bash
# tcpserver(1) -x: a client matching a deny rule in the cdb (tcprules(1)) is dropped
# before the program runs: no greeting, no imapd process.
. "$(dirname "$0")/lib.sh"

make_service
printf '127.0.0.1:deny\n' > "$SVC/tcprules/deny.rules"
compile_rules "$SVC/tcprules/deny.rules" "$SVC/tcprules/deny.cdb"
svc_env RULES "$SVC/tcprules/deny.cdb"
start_service

chat -t 5 127.0.0.1 "$PORT" 'a CAPABILITY'
show "$OUT"
expect_eq "$RC" 3 "the connection is closed"
expect_not "$OUT" '^\* OK' "no greeting"
wait_file_match "$LOGFILE" 'deny' 5
expect "$LOGFILE" 'deny' "tcpserver logs the deny"
expect_not "$LOGFILE" 'imapd.* connect' "imapd never ran"

# the same service with the repository's rules accepts 127.0.0.1
svc_unenv RULES
sleep 1.2
restart_service
chat -t 5 127.0.0.1 "$PORT" 'a LOGOUT'
expect "$OUT" '^\* OK' "with the repository's rules: greeting"
