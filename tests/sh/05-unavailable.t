#!/usr/bin/env bash
# A checker that cannot decide (djb's checkpassword interface: exit 111 is a temporary
# failure, 2 a usage error; a signal is a crash) is not a wrong password: DESIGN.md 1
# answers NO [UNAVAILABLE] (RFC 5530 3: "temporary failure ... try again later").
# The session goes on and the failure does not count as a refused password.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Right.pw'
add_user tmpfail '!111'
add_user usage '!2'
add_user crash '!KILL'
start_service

chat 127.0.0.1 "$PORT" 'a LOGIN tmpfail whatever' 'b LOGIN joe Right.pw' 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[UNAVAILABLE\]' "checker exit 111: a NO [UNAVAILABLE]"
expect_not "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "exit 111 is not reported as a wrong password"
expect "$OUT" '^b OK' "the session goes on: right LOGIN OK"
expect "$CHECKER_LOG" '^tmpfail special:111$' "the checker did run for tmpfail"

chat 127.0.0.1 "$PORT" "a AUTHENTICATE PLAIN $(b64plain tmpfail whatever)" 'b LOGOUT'
expect "$OUT" '^a NO \[UNAVAILABLE\]' "AUTHENTICATE PLAIN, checker exit 111: NO [UNAVAILABLE]"

chat 127.0.0.1 "$PORT" 'a LOGIN usage whatever' 'b LOGIN crash whatever' 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[UNAVAILABLE\]' "checker exit 2: NO [UNAVAILABLE]"
expect "$OUT" '^b NO \[UNAVAILABLE\]' "checker killed by a signal: NO [UNAVAILABLE]"

# three temporary failures are not three refused passwords (MAXAUTHFAIL counts refusals)
chat 127.0.0.1 "$PORT" 'a LOGIN tmpfail x' 'b LOGIN tmpfail x' 'c LOGIN tmpfail x' 'd LOGIN joe Right.pw' 'e LOGOUT'
show "$OUT"
expect "$OUT" '^d OK' "after 3 temporary failures the connection is still open and LOGIN works"

# a checker that cannot be run at all
svc_env CHECKPASSWORD /nonexistent/checkpassword
sleep 1.2
restart_service
chat 127.0.0.1 "$PORT" 'a LOGIN joe Right.pw' 'b LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[UNAVAILABLE\]' "checker missing: NO [UNAVAILABLE]"
