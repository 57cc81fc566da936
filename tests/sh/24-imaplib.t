#!/usr/bin/env bash
# Python's imaplib against the real service (tcpserver, imapd login, imapd serve):
# LOGIN, LIST, CREATE, APPEND with flags and date, SELECT, FETCH and UID FETCH of whole
# bodies (byte for byte, CRLF), STORE, COPY, MOVE, EXPUNGE, STATUS, RENAME, DELETE,
# SUBSCRIBE/LSUB, the UIDPLUS codes (RFC 4315: APPENDUID and COPYUID values must name
# the messages a later UID FETCH returns), and NOOP reporting a delivery made meanwhile.
# The checks themselves, each citing its RFC section, are in tests/bin/imaplib-suite;
# each of its `ok`/`FAIL` lines becomes one check here.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Py.pw24'
MD=$HOME_joe/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 2 1 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

timeout 50 "$PYTHON" "$BIN/imaplib-suite" 127.0.0.1 "$PORT" joe 'Py.pw24' "$MD" "$UID_joe" \
	> "$T_TMP/suite.out" 2> "$T_TMP/suite.err"
rc=$?
checks_from "$T_TMP/suite.out"
n=$(grep -c '^ok ' "$T_TMP/suite.out")
if [ "$n" -ge 90 ]; then pass "imaplib-suite ran $n checks"; else fail "imaplib-suite ran only $n passing checks (want >= 90)"; fi
expect "$T_TMP/suite.out" '^done$' "imaplib-suite got to its end"
expect_eq "$rc" 0 "imaplib-suite exit status (124: timed out)"
if [ -s "$T_TMP/suite.err" ]; then note "imaplib-suite stderr:"; show "$T_TMP/suite.err"; fi

# On disk (DESIGN.md section 3): the folders are Maildir++ directories, the deleted
# ones are gone, and Sent holds the two moved messages with their flags in the names.
[ -d "$MD/.Sent/cur" ] && [ -f "$MD/.Sent/maildirfolder" ] && pass "Sent is $MD/.Sent with cur/ and maildirfolder" \
	|| fail "no Maildir++ folder .Sent (with maildirfolder)"
[ ! -e "$MD/.Play" ] && [ ! -e "$MD/.Play.Sub" ] && [ ! -e "$MD/.Work" ] && [ ! -e "$MD/.Work.Sub" ] \
	&& pass "no .Work, .Work.Sub, .Play or .Play.Sub left on disk" || fail "deleted or renamed folders left on disk: $(ls -a "$MD" | tr '\n' ' ')"
n=$(find "$MD/.Sent/cur" "$MD/.Sent/new" -type f | wc -l)
expect_eq "$n" 2 "Sent holds 2 files"
n=$(find "$MD/.Sent/cur" -type f -name '*:2,F' | wc -l)
expect_eq "$n" 1 "one of them is named :2,F (MSG3, \\Flagged only)"
