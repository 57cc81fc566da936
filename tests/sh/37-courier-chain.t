#!/usr/bin/env bash
# `imapd login` in front of Courier-IMAP's imapd, under the real tcpserver (issue 11):
#   tcpserver ... imapd login checkpw <Courier's imapd> Maildir
# DESIGN.md 1: the login role greets and checks passwords (Debian's checkpw), then runs
# the chain with IMAPLOGINTAG and AUTHENTICATED set, as Courier's own login does; Courier
# must answer the LOGIN tag itself, once, and serve ~/Maildir as the user; imapd login
# must send nothing more for that tag, during the session or after it ends.  Then the
# administrator puts `imapd serve` at the end of the same chain: the user sees the same
# UIDVALIDITY, UIDs, flags and the keywords set through Courier (courierimapkeywords/).
# Courier-IMAP is fetched into a cache by tests/bin/courier-imapd (it cannot be
# installed beside Dovecot).
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/bin/checkpw ] || skip_all "checkpw is not installed (make deps)"
"$BIN/courier-imapd" --fetch 2> "$T_TMP/fetch.err" \
	|| skip_all "Courier-IMAP could not be fetched: $(tail -n1 "$T_TMP/fetch.err")"

add_sysuser cc 'Cc.pw37'
MD=$SYSHOME/Maildir
timeout 30 "$BIN/mkmaildir" "$MD" 3 1 "$SYSUSER" || fail "mkmaildir"

PORT=$(free_port) || { fail "no free port"; exit 1; }
LOG=$T_TMP/tcpserver.log
# serve_with PROG...: tcpserver running imapd login checkpw PROG... (replacing the last)
serve_with() {
	[ -n "${SERVER_PID:-}" ] && { kill -TERM -- "-$SERVER_PID" 2> /dev/null; sleep 0.3; }
	bg sh -c "exec env IMAPD_PLAINTEXT= IMAPD_FAILDELAY=0 \
		tcpserver -v -HRl0 -c 10 127.0.0.1 $PORT $IMAPD login /usr/bin/checkpw $* 2>> $LOG"
	SERVER_PID=$BG_PID
	wait_port "$PORT" || { fail "tcpserver did not listen"; show "$LOG"; exit 1; }
}
serve_with "$BIN/courier-imapd" Maildir

note "Courier behind imapd login"
chat --eof 127.0.0.1 "$PORT" "a1 LOGIN $SYSUSER wrong" "a2 LOGIN $SYSUSER Cc.pw37" \
	'a3 NAMESPACE' 'a4 SELECT INBOX' 'a5 STORE 1 +FLAGS ($Junk project)' \
	'a6 STORE 3 +FLAGS (\Flagged project)' 'a7 UID FETCH 1:* (UID FLAGS)' 'a8 LOGOUT'
show "$OUT"
expect_eq "$RC" 0 "the dialogue went as expected, and the connection closed after LOGOUT"
expect "$OUT" '^\* OK \[CAPABILITY IMAP4rev1 ' "imapd login greets"
expect "$OUT" '^a1 NO \[AUTHENTICATIONFAILED\]' "a wrong password: imapd login says NO (checkpw exit 1)"
# Courier's own words: only it answers this way, so the tag was handed over.
expect "$OUT" '^a2 OK LOGIN Ok\.' "Courier answers the LOGIN tag itself (IMAPLOGINTAG)"
expect_eq "$(grep -c '^a2 ' "$OUT")" 1 "the LOGIN tag is answered once"
expect "$OUT" '^\* NAMESPACE \(\("INBOX\." "\."\)\)' "the session is Courier's (namespace INBOX.)"
expect "$OUT" '^\* 3 EXISTS$' "Courier serves the user's ~/Maildir: 3 messages"
expect "$OUT" '^\* [0-9]+ FETCH \(UID 1 FLAGS \([^)]*\$Junk' "Courier keeps the keyword \$Junk"
expect "$OUT" '^a8 OK LOGOUT' "Courier completes LOGOUT"
expect_eq "$(grep -c '^a8 ' "$OUT")" 1 "nothing more for the last tag after Courier exited"
expect_eq "$(stat -c %U "$MD/courierimapuiddb" 2> /dev/null)" "$SYSUSER" "Courier ran as the user (its courierimapuiddb is the user's)"
[ -d "$MD/courierimapkeywords" ] && pass "Courier wrote courierimapkeywords/" || fail "no courierimapkeywords/ after STORE"
expect_not "$LOG" 'UNAVAILABLE|answered|signal' "imapd login logged no trouble with the hand-over"
expect_not "$LOG" 'Cc\.pw37' "no password in the log"
# The flags as Courier serves them, for after the switch.
grep -E '^\* [0-9]+ FETCH \(UID ' "$OUT" > "$T_TMP/courier.flags"

note "AUTHENTICATE PLAIN through the chain"
chat --eof 127.0.0.1 "$PORT" "b1 AUTHENTICATE PLAIN $(b64plain "$SYSUSER" Cc.pw37)" 'b2 LOGOUT'
show "$OUT"
expect "$OUT" '^b1 OK LOGIN Ok\.' "Courier answers the AUTHENTICATE tag"
expect_eq "$RC" 0 "the connection closed after LOGOUT"

# Courier-IMAP exits 0 whatever ends its session; imapd login must not answer the tag
# when the client just goes away (no LOGOUT).
chat 127.0.0.1 "$PORT" "c1 LOGIN $SYSUSER Cc.pw37" 'c2 NOOP'
expect_eq "$(grep -c '^c1 ' "$OUT")" 1 "a session ended by the client: the LOGIN tag answered once"

note "the switch: imapd serve at the end of the same chain, on the same ~/Maildir"
serve_with "$IMAPD" serve Maildir
chat 127.0.0.1 "$PORT" "d1 LOGIN $SYSUSER Cc.pw37" 'd2 SELECT INBOX' 'd3 UID FETCH 1:* (UID FLAGS)' 'd4 LOGOUT'
show "$OUT"
expect "$OUT" '^d1 OK \[CAPABILITY [^]]*IMAP4rev2' "imapd serve answers the LOGIN tag now"
grep -E '^\* [0-9]+ FETCH \(UID ' "$OUT" > "$T_TMP/imapd.flags"
# Keyword order inside FLAGS differs between servers: compare sorted flag sets, without
# \Recent (per session, RFC 3501 2.3.2: Courier's first session had them all).
norm() { "$PYTHON" -c '
import re, sys
for l in open(sys.argv[1]):
    m = re.match(r"\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\)\)", l)
    if m: print(m.group(1), " ".join(sorted(f for f in m.group(2).split() if f != "\\Recent")))' "$1"; }
norm "$T_TMP/courier.flags" > "$T_TMP/courier.norm"
norm "$T_TMP/imapd.flags" > "$T_TMP/imapd.norm"
note "UID and flags, Courier then imapd:"; show "$T_TMP/courier.norm"; show "$T_TMP/imapd.norm"
expect_eq "$(wc -l < "$T_TMP/courier.norm")" 3 "Courier listed 3 messages"
expect "$T_TMP/imapd.norm" '^1 \$Junk .*project' "imapd: UID 1 keeps \$Junk and project (from courierimapkeywords/)"
expect "$T_TMP/imapd.norm" '^3 .*\\Flagged.*project|^3 .*project.*\\Flagged' "imapd: UID 3 keeps \\Flagged and project"
if diff -u "$T_TMP/courier.norm" "$T_TMP/imapd.norm" > "$T_TMP/flags.diff"; then
	pass "imapd serves every UID with the flags and keywords Courier served"
else
	fail "UIDs or flags changed in the switch"; show "$T_TMP/flags.diff"
fi
expect "$MD/dovecot-keywords" '^[0-9]+ project$' "the keywords are in dovecot-keywords now"
expect_eq "$(grep -c "Courier's keywords taken over" "$LOG")" 1 "the keywords were taken over once"
chat 127.0.0.1 "$PORT" "e1 LOGIN $SYSUSER Cc.pw37" 'e2 SELECT INBOX' 'e3 UID FETCH 1:* (UID FLAGS)' 'e4 LOGOUT'
grep -E '^\* [0-9]+ FETCH \(UID ' "$OUT" > "$T_TMP/imapd2.flags"
norm "$T_TMP/imapd2.flags" > "$T_TMP/imapd2.norm"
expect_eq "$(cat "$T_TMP/imapd2.norm")" "$(cat "$T_TMP/imapd.norm")" "a second imapd session sees the same"
expect_eq "$(grep -c "Courier's keywords taken over" "$LOG")" 1 "and did not take the keywords over again"
