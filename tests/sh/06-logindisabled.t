#!/usr/bin/env bash
# RFC 3501 6.2.3 and 7.2.1: without TLS a server must be able to refuse plaintext
# passwords, advertising LOGINDISABLED; LOGIN then fails with NO.  DESIGN.md 2: imapd
# does that unless IMAPD_PLAINTEXT is set, which the repository's tcprules set for 127.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Right.pw'
# rules that allow 127.0.0.1 without setting IMAPD_PLAINTEXT
printf '127.0.0.1:allow\n:deny\n' > "$SVC/tcprules/noplain.rules"
compile_rules "$SVC/tcprules/noplain.rules" "$SVC/tcprules/noplain.cdb"
svc_env RULES "$SVC/tcprules/noplain.cdb"
svc_unenv IMAPD_PLAINTEXT
start_service

chat 127.0.0.1 "$PORT" 'a CAPABILITY' 'b LOGIN joe Right.pw' "c AUTHENTICATE PLAIN $(b64plain joe Right.pw)" 'd LOGOUT'
show "$OUT"
expect "$OUT" '^\* OK \[CAPABILITY [^]]*LOGINDISABLED' "greeting capabilities include LOGINDISABLED"
expect "$OUT" '^\* CAPABILITY .*LOGINDISABLED' "CAPABILITY includes LOGINDISABLED"
expect_not "$OUT" '^\* CAPABILITY .*STARTTLS' "no STARTTLS offered without UCSPITLS"
expect "$OUT" '^b NO' "LOGIN refused with NO"
expect "$OUT" '^c (NO|BAD)' "AUTHENTICATE PLAIN refused too"
expect "$OUT" '^d OK' "LOGOUT OK"
if [ -f "$CHECKER_LOG" ] && grep -q . "$CHECKER_LOG"; then
	fail "the checker ran although login is disabled"; show "$CHECKER_LOG"
else
	pass "the checker was never run"
fi

# The repository's own tcprules/imap.rules set IMAPD_PLAINTEXT for 127.
expect "$TOP/tcprules/imap.rules" '^127\.[^:]*:allow,.*IMAPD_PLAINTEXT=' "repo imap.rules: 127. gets IMAPD_PLAINTEXT"
svc_unenv RULES
sleep 1.2
restart_service
chat 127.0.0.1 "$PORT" 'a CAPABILITY' 'b LOGIN joe Right.pw' 'c LOGOUT'
show "$OUT"
expect_not "$OUT" 'LOGINDISABLED' "with the repository's rules: no LOGINDISABLED"
expect "$OUT" '^b OK' "with the repository's rules: LOGIN OK"
