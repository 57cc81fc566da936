#!/usr/bin/env bash
# The seed dialogue (../shared/seed/000_1aabc7ae164f3901.txt): the article's mconnect
# session against Dovecot, replayed against imapd under the repository's own run and
# log/run, started by real svscan/supervise, with tcpserver and multilog.
# A Maildir of 177 messages, the first 173 \Seen, at ~/MAILDIR.IMAP.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'secret'
timeout 60 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 177 173 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

chat 127.0.0.1 "$PORT" 'a01 login joe secret' 'a02 capability' 'a03 select inbox' 'a04 logout'
note "transcript:"; show "$OUT"
expect_eq "$RC" 0 "dialogue completed, every line ended by CRLF (RFC 3501 2.2)"
# RFC 3501 7.1.1: the greeting is an untagged OK; 7.2.1 CAPABILITY lists IMAP4rev1
expect "$OUT" '^\* OK \[CAPABILITY [^]]*IMAP4rev1[^]]*\]' "greeting: * OK [CAPABILITY IMAP4rev1 ...]"
# RFC 3501 6.2.3 LOGIN
expect "$OUT" '^a01 OK' "a01 LOGIN: tagged OK"
expect "$OUT" '^\* CAPABILITY .*IMAP4rev1' "a02 CAPABILITY: untagged CAPABILITY with IMAP4rev1 (RFC 3501 6.1.1)"
expect_not "$OUT" '^\* CAPABILITY .*LOGINDISABLED' "no LOGINDISABLED once logged in"
expect "$OUT" '^a02 OK' "a02: tagged OK"
# RFC 3501 6.3.1 SELECT: FLAGS, EXISTS, RECENT required; UNSEEN, PERMANENTFLAGS,
# UIDNEXT, UIDVALIDITY in OK responses; READ-WRITE on the tagged OK.
expect "$OUT" '^\* FLAGS \(' "* FLAGS (RFC 3501 7.2.6)"
for f in Answered Flagged Deleted Seen Draft; do
	expect "$OUT" "^\\* FLAGS \\(.*\\\\$f[ )]" "FLAGS lists \\$f"
done
expect "$OUT" '^\* OK \[PERMANENTFLAGS \(.*\\Seen.*\)\]' "* OK [PERMANENTFLAGS (... \\Seen ...)]"
expect "$OUT" '^\* 177 EXISTS$' "* 177 EXISTS (RFC 3501 7.3.1)"
expect "$OUT" '^\* 0 RECENT$' "* 0 RECENT: messages in cur/ are not recent (RFC 3501 7.3.2)"
expect "$OUT" '^\* OK \[UNSEEN 174\]' "* OK [UNSEEN 174]: first unseen is message 174 (RFC 3501 7.1)"
expect "$OUT" '^\* OK \[UIDVALIDITY [1-9][0-9]*\]' "* OK [UIDVALIDITY n], n non-zero (RFC 3501 2.3.1.1)"
expect "$OUT" '^\* OK \[UIDNEXT 178\]' "* OK [UIDNEXT 178]"
expect "$OUT" '^a03 OK \[READ-WRITE\]' "a03 OK [READ-WRITE]"
# RFC 3501 6.1.3 LOGOUT: untagged BYE, then the tagged OK
expect "$OUT" '^\* BYE' "a04 LOGOUT: * BYE"
expect "$OUT" '^a04 OK' "a04 LOGOUT: tagged OK"
expect_order "$OUT" '^\* BYE' '^a04 OK' "BYE comes before the tagged OK"
uidv1=$(sed -n 's/^\* OK \[UIDVALIDITY \([0-9]*\)\].*/\1/p' "$OUT")
first=$OUT

# RFC 3501 2.3.1.1: UIDVALIDITY must not change between sessions while UIDs stay valid.
chat 127.0.0.1 "$PORT" 'b01 LOGIN joe secret' 'b02 EXAMINE INBOX' 'b03 LOGOUT'
show "$OUT"
uidv2=$(sed -n 's/^\* OK \[UIDVALIDITY \([0-9]*\)\].*/\1/p' "$OUT")
expect_eq "$uidv2" "$uidv1" "UIDVALIDITY identical in a second connection"
[ -n "$uidv1" ] || fail "no UIDVALIDITY seen"
expect "$OUT" '^\* 177 EXISTS$' "second connection: * 177 EXISTS"
expect "$OUT" '^\* OK \[UIDNEXT 178\]' "second connection: UIDNEXT still 178 (no UID given twice)"
expect "$OUT" '^b02 OK \[READ-ONLY\]' "EXAMINE: b02 OK [READ-ONLY] (RFC 3501 6.3.2)"

# DESIGN.md 3: the UIDs live in dovecot-uidlist, version 3, as Dovecot writes it
ul=$HOME_joe/MAILDIR.IMAP/dovecot-uidlist
if [ -f "$ul" ]; then
	hdr=$(head -n1 "$ul")
	[[ $hdr =~ ^3\ .*V$uidv1(\ |$) ]] && pass "dovecot-uidlist header '3 V$uidv1 ...'" || fail "dovecot-uidlist header '$hdr' (UIDVALIDITY $uidv1)"
	[[ $hdr =~ \ N178(\ |$) ]] && pass "dovecot-uidlist N178" || fail "dovecot-uidlist header '$hdr' lacks N178"
	expect_eq "$(tail -n +2 "$ul" | grep -c '^[0-9][0-9]* .*:[0-9]')" 177 "177 uid lines"
	expect_eq "$(tail -n +2 "$ul" | awk '{print $1}' | tr '\n' ' ')" "$(seq -s ' ' 1 177) " "UIDs 1..177 in ascending order"
	expect_eq "$(stat -c %u "$ul")" "$UID_joe" "dovecot-uidlist written as the user, not root"
else
	fail "no $ul"
fi

# The same dialogue through ucspi-tcp's mconnect, typed the way the article does.
# mconnect copies stdin to the server (adding CR before LF); pauses let each
# answer arrive before the next line.
OUT=$T_TMP/mconnect.out
{
	sleep 1; echo 'a01 login joe secret'
	sleep 1; echo 'a02 capability'
	sleep 1; echo 'a03 select inbox'
	sleep 1; echo 'a04 logout'
	sleep 2
} | timeout 20 mconnect 127.0.0.1 "$PORT" > "$OUT" 2>&1
note "mconnect transcript:"; show "$OUT"
tr -d '\r' < "$OUT" > "$OUT.lf"
expect "$OUT.lf" '^\* OK ' "mconnect: greeting"
expect "$OUT.lf" '^a01 OK' "mconnect: a01 login OK"
expect "$OUT.lf" '^\* CAPABILITY .*IMAP4rev1' "mconnect: a02 capability"
expect "$OUT.lf" '^\* 177 EXISTS$' "mconnect: * 177 EXISTS"
expect "$OUT.lf" '^\* OK \[UNSEEN 174\]' "mconnect: [UNSEEN 174]"
expect "$OUT.lf" "^\\* OK \\[UIDVALIDITY $uidv1\\]" "mconnect: same UIDVALIDITY"
expect "$OUT.lf" '^\* OK \[UIDNEXT 178\]' "mconnect: [UIDNEXT 178]"
expect "$OUT.lf" '^a03 OK \[READ-WRITE\]' "mconnect: a03 OK [READ-WRITE]"
expect "$OUT.lf" '^\* BYE' "mconnect: * BYE"
expect "$OUT.lf" '^a04 OK' "mconnect: a04 OK"
