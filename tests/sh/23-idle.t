#!/usr/bin/env bash
# IDLE (RFC 2177) under the real service: a client idles on INBOX while
#   - a message is delivered the Maildir way (tmp/, then rename into new/),
#   - another imapd session sets \Flagged on a message,
#   - another imapd session expunges a message,
# and must see `* N EXISTS`, `* N FETCH (FLAGS (...))` and `* N EXPUNGE` while still
# idling (RFC 2177 section 3: the server sends untagged EXISTS/EXPUNGE/FETCH at any
# time during IDLE; DESIGN.md section 4: IDLE watches new/ and cur/).  Each must arrive
# within 2 seconds (issue 3).  DONE ends IDLE with the tagged OK.
. "$(dirname "$0")/lib.sh"

LIMIT=2.0       # seconds an idling client may wait for news (issue 3)

make_service
add_user joe 'Id.pw3'
MD=$HOME_joe/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 3 3 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

# deliver NAME: a new message into $MD/new the Maildir way (write tmp/, fsync, rename)
deliver() {
	"$PYTHON" - "$MD" "$UID_joe" "$1" <<'PY'
import os, socket, sys, time
md, uid, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = ("From: deliverer@example.org\nTo: joe@example.net\nSubject: %s\n"
        "Message-ID: <%s.%d@idle.example>\n\nDelivered while idling.\n" % (tag, tag, os.getpid())).encode()
t = time.time()
uniq = "%d.M%dP%dQ1.%s" % (int(t), int((t % 1) * 1e6), os.getpid(), socket.gethostname())
name = "%s,S=%d,W=%d" % (uniq, len(body), len(body) + body.count(b"\n"))
tmp = os.path.join(md, "tmp", name)
with open(tmp, "wb") as f:
    f.write(body); f.flush(); os.fsync(f.fileno())
os.chown(tmp, uid, uid)
os.rename(tmp, os.path.join(md, "new", name))
PY
}

# arrival ERE SINCE: wait (bounded by 5 s) for a line of the idler's output matching
# ERE; print its delay in seconds after SINCE, or nothing when it never came.
arrival() {
	local line
	wait_file_match "$IDLE_OUT" "^[0-9.]+ $1" 5 || return 0
	line=$(grep -E -m1 -- "^[0-9.]+ $1" "$IDLE_OUT")
	awk -v a="$2" -v b="${line%% *}" 'BEGIN { printf "%.3f\n", b - a }'
}

# check_delay WHAT DELAY: DELAY is set and below $LIMIT
check_delay() {
	if [ -z "$2" ]; then
		fail "$1: nothing within 5 s"
	elif fge "$2" "$LIMIT"; then
		fail "$1: took $2 s, limit $LIMIT s"
	else
		pass "$1 after $2 s"
	fi
}

# The idler: its standard input is a FIFO held open read-write here (so that neither
# side blocks on open); writing DONE into it makes the idler end IDLE.
FIFO=$T_TMP/idle.in
IDLE_OUT=$T_TMP/idle.out
mkfifo "$FIFO"
exec 3<> "$FIFO"
# (not through bg: an asynchronous command without its own redirection gets /dev/null)
setsid timeout 50 "$BIN/imapidle" -t 40 127.0.0.1 "$PORT" joe 'Id.pw3' INBOX < "$FIFO" > "$IDLE_OUT" 2> "$T_TMP/idle.err" &
IDLER=$!
T_PGIDS+=("$IDLER")
if wait_file_match "$IDLE_OUT" '^[0-9.]+ \+' 10; then
	pass "IDLE answered with a continuation request (RFC 2177 section 3)"
else
	fail "no continuation request for IDLE within 10 s"
	show "$IDLE_OUT"; show "$T_TMP/idle.err"; exit 1
fi
expect "$IDLE_OUT" '^- \* 3 EXISTS$' "the idler selected INBOX with 3 messages"

# 1. delivery into new/ (tmp/ then rename, as qmail-local or safecat do it)
T0=$(now)
deliver first
D_EXISTS=$(arrival '\* 4 EXISTS$' "$T0")
check_delay "delivery into new/ reached the idler as * 4 EXISTS" "$D_EXISTS"

# 2. another session sets \Flagged on message 2 (RFC 3501 7.4.1: FETCH with the new
# flags may be sent at any time; RFC 2177: here, during IDLE)
T0=$(now)
chat 127.0.0.1 "$PORT" 'b1 LOGIN joe Id.pw3' 'b2 SELECT INBOX' 'b3 STORE 2 +FLAGS (\Flagged)' 'b4 LOGOUT'
OTHER1=$OUT
expect_eq "$RC" 0 "second session: STORE ran"
expect "$OTHER1" '^b3 OK' "second session: STORE +FLAGS (\\Flagged) OK"
# RFC 3501 2.3.2 and issue 3: \Recent belongs to exactly one session, the one that
# moved the message from new/ to cur/; the idler announced it, so the other must not.
if grep -Eq '^[0-9.]+ \* 1 RECENT$' "$IDLE_OUT"; then
	expect "$OTHER1" '^\* 0 RECENT$' "the delivered message is \\Recent for the idler only, not for the later session"
else
	expect "$OTHER1" '^\* 1 RECENT$' "the delivered message is \\Recent for exactly one session"
fi
D_FETCH=$(arrival '\* 2 FETCH \(.*FLAGS \([^)]*\\Flagged' "$T0")
check_delay "the other session's flag change reached the idler as * 2 FETCH (FLAGS (...\\Flagged...)) (counted from the other session's connect)" "$D_FETCH"
expect "$IDLE_OUT" '^[0-9.]+ \* 2 FETCH \(.*FLAGS \([^)]*\\Seen' "the FETCH keeps message 2's \\Seen"

# 3. another session expunges message 1 (RFC 3501 7.4.1 EXPUNGE; RFC 2177 section 3)
T0=$(now)
chat 127.0.0.1 "$PORT" 'c1 LOGIN joe Id.pw3' 'c2 SELECT INBOX' 'c3 STORE 1 +FLAGS.SILENT (\Deleted)' 'c4 EXPUNGE' 'c5 LOGOUT'
OTHER2=$OUT
expect_eq "$RC" 0 "third session: EXPUNGE ran"
expect "$OTHER2" '^\* 1 EXPUNGE$' "third session expunged message 1"
D_EXPUNGE=$(arrival '\* 1 EXPUNGE$' "$T0")
check_delay "the other session's EXPUNGE reached the idler as * 1 EXPUNGE (counted from the other session's connect)" "$D_EXPUNGE"

# 4. a second delivery after the expunge: 3 messages left, so this is * 4 EXISTS again
# (RFC 3501 7.4.1: EXPUNGE decrements the count; the idler must not say 5)
before=$(grep -Ec '^[0-9.]+ \* 4 EXISTS$' "$IDLE_OUT")
T0=$(now)
deliver second
D_EXISTS2=
for ((i = 0; i < 50; i++)); do
	n=$(grep -Ec '^[0-9.]+ \* 4 EXISTS$' "$IDLE_OUT")
	if [ "$n" -gt "$before" ]; then
		line=$(grep -E '^[0-9.]+ \* 4 EXISTS$' "$IDLE_OUT" | tail -n1)
		D_EXISTS2=$(awk -v a="$T0" -v b="${line%% *}" 'BEGIN { printf "%.3f\n", b - a }')
		break
	fi
	sleep 0.1
done
check_delay "a second delivery after the expunge reached the idler as * 4 EXISTS" "$D_EXISTS2"
expect_not "$IDLE_OUT" '^[0-9.]+ \* ([5-9]|[1-9][0-9]+) EXISTS$' "the idler never heard of more messages than there are (nothing counted twice)"
expect_not "$IDLE_OUT" '^[0-9.]+ \* [0-9]+ BYE' "the server did not drop the idler"

# 5. DONE ends IDLE (RFC 2177 section 3: "The server MUST then send a tagged response")
T0=$(now)
echo DONE >&3
for ((i = 0; i < 100; i++)); do kill -0 "$IDLER" 2>/dev/null || break; sleep 0.1; done
wait "$IDLER"; rc=$?
expect "$IDLE_OUT" '^[0-9.]+ i1 OK' "DONE ended IDLE with a tagged OK"
expect_order "$IDLE_OUT" '\* 1 EXPUNGE$' '^[0-9.]+ i1 OK' "the untagged news came before the tagged OK of IDLE"
expect "$IDLE_OUT" '^- a3 OK' "LOGOUT after IDLE: OK"
expect_eq "$rc" 0 "imapidle exit status (4 timeout, 3 dropped, 5 bare LF, 6 not OK)"
[ -s "$T_TMP/idle.err" ] && show "$T_TMP/idle.err"
exec 3>&-

note "idler's transcript:"; show "$IDLE_OUT"
note "IDLE delays: delivery ${D_EXISTS:-none} s, flag change ${D_FETCH:-none} s, expunge ${D_EXPUNGE:-none} s, second delivery ${D_EXISTS2:-none} s (limit $LIMIT s)"
