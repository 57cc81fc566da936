#!/usr/bin/env bash
# LOGIN through checkpassword-compatible checkers (djb's interface: fd 3 carries
# user\0password\0timestamp\0; DESIGN.md 1): Debian's checkpw, which reads the
# password from ~/Maildir/.password of a real system user, and tests/bin/checkpassword-test.
# RFC 3501 6.2.3 (LOGIN), RFC 4616 + RFC 4959 (AUTHENTICATE PLAIN with an initial response).
. "$(dirname "$0")/lib.sh"

make_service
add_sysuser imt 'Chk9pw.word'
timeout 30 "$BIN/mkmaildir" "$SYSHOME/MAILDIR.IMAP" 3 1 "$SYSUSER" || fail "mkmaildir"
svc_env CHECKPASSWORD /usr/bin/checkpw
start_service

note "checkpw, system user $SYSUSER"
chat 127.0.0.1 "$PORT" "a LOGIN $SYSUSER Chk9pw.word" 'b SELECT INBOX' 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a OK' "checkpw: LOGIN OK"
expect "$OUT" '^\* 3 EXISTS$' "checkpw: * 3 EXISTS in ~/MAILDIR.IMAP"
expect "$OUT" '^\* OK \[UNSEEN 2\]' "checkpw: [UNSEEN 2]"
expect "$OUT" '^b OK \[READ-WRITE\]' "checkpw: SELECT OK [READ-WRITE]"
uidl=$SYSHOME/MAILDIR.IMAP/dovecot-uidlist
[ -f "$uidl" ] && expect_eq "$(stat -c %U "$uidl")" "$SYSUSER" "session ran as $SYSUSER (dovecot-uidlist owner)" || fail "no dovecot-uidlist after SELECT"

chat 127.0.0.1 "$PORT" "a LOGIN $SYSUSER wrong.word" "b LOGIN $SYSUSER Chk9pw.word" 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "checkpw: wrong password gives NO [AUTHENTICATIONFAILED] (RFC 5530 3)"
expect "$OUT" '^b OK' "checkpw: right password afterwards OK"

chat 127.0.0.1 "$PORT" "a AUTHENTICATE PLAIN $(b64plain "$SYSUSER" Chk9pw.word)" 'b LOGOUT'
show "$OUT"
expect "$OUT" '^a OK' "checkpw: AUTHENTICATE PLAIN with SASL-IR OK"

# A fresh user without MAILDIR.IMAP: imapd serve creates it (DESIGN.md 1)
rm -rf "$SYSHOME/MAILDIR.IMAP"
chat 127.0.0.1 "$PORT" "a LOGIN $SYSUSER Chk9pw.word" 'b SELECT INBOX' 'c LOGOUT'
expect "$OUT" '^\* 0 EXISTS$' "missing Maildir: created, * 0 EXISTS"
for d in cur new tmp; do
	[ -d "$SYSHOME/MAILDIR.IMAP/$d" ] && pass "MAILDIR.IMAP/$d created" || fail "MAILDIR.IMAP/$d not created"
done
expect_eq "$(stat -c %U "$SYSHOME/MAILDIR.IMAP" 2>/dev/null)" "$SYSUSER" "created Maildir belongs to the user"

note "tests/bin/checkpassword-test"
add_user joe 'Tst.pw42'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 4 4 "$UID_joe:$UID_joe" || fail "mkmaildir"
svc_env CHECKPASSWORD "/usr/bin/env CHECKPASSWORD_TEST_USERS=$USERS CHECKPASSWORD_TEST_LOG=$CHECKER_LOG $BIN/checkpassword-test"
sleep 1.2
restart_service
chat 127.0.0.1 "$PORT" 'a LOGIN joe Tst.pw42' 'b SELECT INBOX' 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a OK' "checkpassword-test: LOGIN OK"
expect "$OUT" '^\* 4 EXISTS$' "checkpassword-test: * 4 EXISTS"
expect_not "$OUT" 'UNSEEN' "all seen: no [UNSEEN n] (RFC 3501 6.3.1: only when there is an unseen message)"
expect_eq "$(stat -c %u "$HOME_joe/MAILDIR.IMAP/dovecot-uidlist" 2>/dev/null)" "$UID_joe" "session ran as uid $UID_joe"
expect "$CHECKER_LOG" '^joe ok$' "the checker ran for joe"
# IMAPLOGINTAG (DESIGN.md 1): the OK to LOGIN comes from the serve role, with CAPABILITY
expect "$OUT" '^a OK \[CAPABILITY [^]]*IMAP4rev1' "LOGIN answered 'a OK [CAPABILITY ...]' by imapd serve"
# quoted strings and literals carry the credentials (RFC 3501 4.3)
chat 127.0.0.1 "$PORT" 'a LOGIN "joe" "Tst.pw42"' 'b LOGOUT'
expect "$OUT" '^a OK' "LOGIN with quoted strings"
expect "$OUT" '^\* OK \[CAPABILITY [^]]* LITERAL- ' "LITERAL- offered before login (RFC 7888 5)"
# RFC 7888: a non-synchronizing literal is sent at once, without waiting for '+'
chat --raw 127.0.0.1 "$PORT" 'a LOGIN joe {8+}' 'Tst.pw42' 'b LOGOUT'
expect "$OUT" '^a OK' "LOGIN with the password as a non-synchronizing literal (RFC 7888)"
