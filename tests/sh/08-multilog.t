#!/usr/bin/env bash
# Logging through the repository's log/run (multilog t ./main, multilog(8)): each line
# of log/main/current starts with a TAI64N label (@4000...), the login is logged with
# the user name, the pid and TCPREMOTEIP (DESIGN.md 2), and no password ever appears.
. "$(dirname "$0")/lib.sh"

make_service
good="Gd${RANDOM}Pw${RANDOM}x"
bad="Bd${RANDOM}Pw${RANDOM}y"
add_user joe "$good"
start_service

chat 127.0.0.1 "$PORT" "a LOGIN joe $bad" "b LOGIN joe $good" 'c SELECT INBOX' 'd LOGOUT'
show "$OUT"
expect "$OUT" '^b OK' "login OK"
chat 127.0.0.1 "$PORT" "a AUTHENTICATE PLAIN $(b64plain joe "$bad")" 'b LOGOUT'
expect "$OUT" '^a NO' "AUTHENTICATE with a wrong password refused"

wait_file_match "$LOGFILE" 'logout' 10 || true
sleep 0.5
note "log/main/current:"; show "$LOGFILE"
[ -f "$LOGFILE" ] && pass "multilog writes log/main/current" || { fail "no $LOGFILE"; dump_service; exit 1; }
expect "$LOGFILE" '^@4000[0-9a-f]{20} ' "lines carry TAI64N labels"
expect_not "$LOGFILE" '^[^@]' "every line carries a TAI64N label"
expect "$LOGFILE" '^@4000[0-9a-f]{20} .*login.*ok.*joe|^@4000[0-9a-f]{20} .*joe.*login.*ok' "a stamped line for the login with the user name"
expect "$LOGFILE" '^@4000[0-9a-f]{20} .*fail.*joe|^@4000[0-9a-f]{20} .*joe.*fail' "a stamped line for the failed login with the user name"
expect_not "$LOGFILE" "$good" "the right password is not in the log"
expect_not "$LOGFILE" "$bad" "the wrong password is not in the log"
expect_not "$LOGFILE" "$(b64plain joe "$bad")" "the SASL PLAIN response is not in the log"
# DESIGN.md 2: the pid and TCPREMOTEIP on each imapd line
imapd_lines=$(grep -E '^@[0-9a-f]{24} imapd' "$LOGFILE" | wc -l)
[ "$imapd_lines" -gt 0 ] && pass "$imapd_lines lines from imapd" || fail "no line starting with 'imapd'"
bad_lines=$(grep -E '^@[0-9a-f]{24} imapd' "$LOGFILE" | grep -Ev ' [0-9]+[ :].*127\.0\.0\.1|127\.0\.0\.1.* [0-9]+[ :]' | head -n 5)
[ -z "$bad_lines" ] && pass "every imapd line has a pid and 127.0.0.1" || { fail "imapd lines without pid and remote IP:"; printf '%s\n' "$bad_lines" | sed 's/^/    > /'; }
expect "$LOGFILE" '^@[0-9a-f]{24} imapd.*connect' "a connect line"
expect "$LOGFILE" '^@[0-9a-f]{24} imapd.*logout.*in=[0-9]+.*out=[0-9]+' "a logout line with bytes in and out"
# tai64nlocal (daemontools) reads the labels
first=$(head -n1 "$LOGFILE" | tai64nlocal | cut -c1-4)
expect_eq "$first" "$(date +%Y)" "tai64nlocal turns the label into this year's date"
