#!/usr/bin/env bash
# Failed logins.  RFC 3501 6.2.3: a refused LOGIN is a tagged NO and the client may
# try again; RFC 5530 3: the response code AUTHENTICATIONFAILED.  DESIGN.md 1: the
# failure is answered after IMAPD_FAILDELAY seconds, and after MAXAUTHFAIL failures
# (default 3, as mailfront) the server answers NO and closes the connection.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Right.pw'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 2 1 "$UID_joe:$UID_joe" || fail "mkmaildir"
svc_env MAXAUTHFAIL 3
start_service

chat 127.0.0.1 "$PORT" 'a LOGIN joe Wrong.pw' 'b LOGIN joe Right.pw' 'c SELECT INBOX' 'd LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "wrong password: a NO [AUTHENTICATIONFAILED]"
expect "$OUT" '^b OK' "the session goes on: a later right LOGIN is OK"
expect "$OUT" '^\* 2 EXISTS$' "and SELECT works (* 2 EXISTS)"
expect_eq "$RC" 0 "dialogue completed"

chat 127.0.0.1 "$PORT" 'a LOGIN nosuchuser Whatever' 'b LOGOUT'
expect "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "unknown user: same answer as a wrong password"

chat 127.0.0.1 "$PORT" "a AUTHENTICATE PLAIN $(b64plain joe Wrong.pw)" "b AUTHENTICATE PLAIN $(b64plain joe Right.pw)" 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "AUTHENTICATE PLAIN (RFC 4959 SASL-IR), wrong password: NO [AUTHENTICATIONFAILED]"
expect "$OUT" '^b OK' "AUTHENTICATE PLAIN, right password: OK"

# MAXAUTHFAIL=3: the third failure gets NO and the connection is closed.
chat --eof 127.0.0.1 "$PORT" 'a LOGIN joe bad1' 'b LOGIN joe bad2' 'c LOGIN joe bad3'
show "$OUT"
expect "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "1st failure: NO"
expect "$OUT" '^b NO \[AUTHENTICATIONFAILED\]' "2nd failure: NO, connection still open"
expect "$OUT" '^c NO' "3rd failure: NO"
expect_eq "$RC" 0 "after the 3rd failure the server closes the connection"
# and not before: two failures leave the connection usable
chat 127.0.0.1 "$PORT" 'a LOGIN joe bad1' 'b LOGIN joe bad2' 'c NOOP' 'd LOGOUT'
expect "$OUT" '^c OK' "after 2 failures NOOP still answered"

# IMAPD_FAILDELAY and MAXAUTHFAIL come from env/ through run (envdir).
svc_env IMAPD_FAILDELAY 2
svc_env MAXAUTHFAIL 1
sleep 1.2
restart_service
start=$(now)
chat --eof 127.0.0.1 "$PORT" 'a LOGIN joe bad1'
took=$(since "$start")
show "$OUT"
expect "$OUT" '^a NO' "MAXAUTHFAIL=1: NO"
expect_eq "$RC" 0 "MAXAUTHFAIL=1: closed after the first failure"
if fge "$took" 1.9; then pass "IMAPD_FAILDELAY=2: the NO took ${took}s"; else fail "IMAPD_FAILDELAY=2: the NO took only ${took}s"; fi
start=$(now)
chat 127.0.0.1 "$PORT" 'a LOGIN joe Right.pw' 'b LOGOUT'
took=$(since "$start")
expect "$OUT" '^a OK' "right password still OK"
if ! fge "$took" 1.5; then pass "no delay on success (${took}s)"; else fail "a successful login took ${took}s"; fi
