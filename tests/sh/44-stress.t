#!/usr/bin/env bash
# Issue 9: many sessions on ONE mailbox.  STRESS_CLIENTS clients (20 here; `make stress`
# runs 100 for 60 s) log in as one user for STRESS_SECONDS (20 here) under the real
# service (svscan, tcpserver, imapd login with the test checkpassword, imapd serve),
# each a random mix of SELECT, FETCH (flags, envelope, bodies), STORE, STORE \Deleted +
# EXPUNGE, APPEND, COPY, MOVE there and back, IDLE and NOOP, while an MTA delivers into
# new/ (tests/bin/imapstress).  Its model of the mailbox fails the run on any NO or BAD
# (RFC 2180 4.2.1 and 4.4.2 let STORE and COPY of messages another session expunged
# answer OK, as Dovecot 2.3.19 does for STORE) but one: NO [EXPUNGEISSUED] to a FETCH
# that asked for more than UID and FLAGS, left out an item of a message, and whose
# messages so treated are then reported expunged (RFC 2180 4.1.2, RFC 5530 3).  It also
# fails on an OK FETCH that left an item out, made-up data (the NIL ENVELOPE, empty body,
# size 0 or 1970 date of RFC 2180 4.1.3, which Dovecot sends), a UID whose message
# changes, a flag change that did not stick, a message lost or there twice.  Prints
# commands per second and the [EXPUNGEISSUED] answers; asserts no timing.
. "$(dirname "$0")/lib.sh"
command -v tcpserver > /dev/null || skip_all "no tcpserver (ucspi-tcp)"
command -v svscan > /dev/null || skip_all "no svscan (daemontools)"

CLIENTS=${STRESS_CLIENTS:-20}
SECS=${STRESS_SECONDS:-20}
SEED=${STRESS_SEED:-44}
make_service
svc_env CONCURRENCY $((CLIENTS + 10))
add_user ann Stress.pw.ann
md=$HOME_ann/MAILDIR.IMAP
for d in "$md" "$md/.Other" "$md/.Copies"; do mkdir -p "$d/tmp" "$d/new" "$d/cur"; done
: > "$md/.Other/maildirfolder"
: > "$md/.Copies/maildirfolder"
chown -R "$UID_ann:$UID_ann" "$md"
start_service

T0=$(now)
timeout -k 5 $((SECS + 150)) "$PYTHON" "$BIN/imapstress" "$PORT" "$CLIENTS" "$SECS" "$SEED" \
	ann Stress.pw.ann "$md" "$UID_ann" > "$T_TMP/stress.out" 2> "$T_TMP/stress.err"
expect_eq "$?" 0 "imapstress ran to its end ($CLIENTS clients, ${SECS}s)"
[ -s "$T_TMP/stress.err" ] && show "$T_TMP/stress.err"
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done < "$T_TMP/stress.out"
grep -q '^ok no failure\|^FAIL [0-9]* failures' "$T_TMP/stress.out" || fail "imapstress printed no results"
sleep 1
cat "$SVC/log/main"/@* "$LOGFILE" 2> /dev/null > "$T_TMP/log.all"
expect_not "$T_TMP/log.all" 'panic|SERVERBUG|RUST_BACKTRACE' "imapd logged no panic and no SERVERBUG"
note "imapd's log, apart from logins, logouts and tcpserver's lines:"
grep -v 'login ok\|logout user=[^ ]* in=[0-9]* out=[0-9]*: LOGOUT\|tcpserver: \(status\|pid\|ok\|end\)\|imapd [0-9]* [0-9.]* connect$' "$T_TMP/log.all" |
	sed 's/^@[0-9a-f]* //; s/imapd [0-9]* /imapd /; s/user=[^ ]* in=[0-9]* out=[0-9]*/user=U/' | sort | uniq -c | sort -rn | head -12 | sed 's/^/    /'
note "whole test: $(since "$T0")s"
