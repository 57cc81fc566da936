#!/usr/bin/env bash
# Issue 7 item 7: load.  LOAD_CLIENTS clients (20 here; `make load` runs 100 for 60 s)
# against the real service (svscan, supervise, tcpserver -c 100, imapd login with the
# test checkpassword, imapd serve) for LOAD_SECONDS (10 here), spread over three users
# so that each Maildir is shared by many sessions, with a delivery thread per Maildir,
# every client running a random mix of LOGIN, SELECT/EXAMINE, FETCH of every kind,
# STORE, SEARCH, SORT, THREAD, APPEND, COPY, MOVE, STORE \Deleted + UID EXPUNGE,
# LIST, STATUS, IDLE ... DONE, NOOP and LOGOUT (a STORE, COPY or MOVE of messages
# another session expunged answers OK [EXPUNGEISSUED], RFC 2180 4.2.1, 4.4.2; a FETCH
# too, or NO [EXPUNGEISSUED] when it asked for what only the file had, 4.1.2, which
# tests/bin/imapload excuses when the next NOOP tells the EXPUNGE).  Fails on any other
# NO, BAD, BYE, lost connection or timeout.
# Prints operations per second and the largest VmHWM of any imapd process.
. "$(dirname "$0")/lib.sh"
command -v tcpserver > /dev/null || skip_all "no tcpserver (ucspi-tcp)"
command -v svscan > /dev/null || skip_all "no svscan (daemontools)"

CLIENTS=${LOAD_CLIENTS:-20}
SECS=${LOAD_SECONDS:-10}
SEED=${LOAD_SEED:-41}
make_service
svc_env CONCURRENCY 100
specs=()
for u in ann bob cy; do
	add_user "$u" "Load.pw.$u"
	eval "home=\$HOME_$u uid=\$UID_$u"
	md=$home/MAILDIR.IMAP
	timeout 30 "$BIN/mkmaildir" "$md" 30 10 "$uid:$uid" || fail "mkmaildir $u"
	mkdir -p "$md/.Folder/tmp" "$md/.Folder/new" "$md/.Folder/cur"
	: > "$md/.Folder/maildirfolder"
	chown -R "$uid:$uid" "$md"
	specs+=("$u:Load.pw.$u:$md:$uid")
done
start_service

T0=$(now)
timeout -k 5 $((SECS + 100)) "$PYTHON" "$BIN/imapload" "$PORT" "$CLIENTS" "$SECS" "$SEED" "${specs[@]}" \
	> "$T_TMP/load.out" 2> "$T_TMP/load.err"
expect_eq "$?" 0 "imapload ran to its end ($CLIENTS clients, ${SECS}s)"
[ -s "$T_TMP/load.err" ] && show "$T_TMP/load.err"
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done < "$T_TMP/load.out"
grep -q '^ok no NO\|^FAIL no NO' "$T_TMP/load.out" || fail "imapload printed no results"
sleep 1
# multilog rotates: the whole log is the rotated files and current
cat "$SVC/log/main"/@* "$LOGFILE" 2> /dev/null > "$T_TMP/log.all"
expect_not "$T_TMP/log.all" 'panic|SERVERBUG|RUST_BACKTRACE' "imapd logged no panic"
note "imapd's log, apart from logins, logouts and tcpserver's lines:"
grep -v 'login ok\|logout user=[^ ]* in=[0-9]* out=[0-9]*: LOGOUT\|tcpserver: \(status\|pid\|ok\|end\)\|imapd [0-9]* [0-9.]* connect$' "$T_TMP/log.all" |
	sed 's/^@[0-9a-f]* //; s/imapd [0-9]* /imapd /; s/user=[^ ]* in=[0-9]* out=[0-9]*/user=U/' | sort | uniq -c | sort -rn | head -12 | sed 's/^/    /'
note "whole test: $(since "$T0")s"
