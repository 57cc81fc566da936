#!/usr/bin/env bash
# DESIGN.md 1: `imapd serve` is the post-authentication role and refuses to run as
# root (uid 0): a clear message on stderr and exit 100, before it touches any file.
# Run as a user without IMAPLOGINTAG it greets with * PREAUTH (RFC 3501 7.1.4),
# creates the Maildir when missing, and LOGOUT ends it with exit 0.
. "$(dirname "$0")/lib.sh"
need_imapd

h=$T_TMP/roothome
mkdir -p "$h"
(cd "$h" && HOME=$h IMAPLOGINTAG=a1 timeout 10 "$IMAPD" serve < /dev/null > "$T_TMP/out" 2> "$T_TMP/err")
rc=$?
note "stdout:"; show "$T_TMP/out"; note "stderr:"; show "$T_TMP/err"
expect_eq "$rc" 100 "imapd serve as root exits 100"
expect "$T_TMP/err" '[Rr]oot|uid 0|UID 0' "stderr says why (root / uid 0)"
expect_not "$T_TMP/out" 'OK|PREAUTH' "nothing that looks like a session on stdout"
[ -e "$h/MAILDIR.IMAP" ] && fail "created $h/MAILDIR.IMAP as root" || pass "no Maildir created as root"

(cd "$h" && HOME=$h timeout 10 "$IMAPD" serve "$h/Other" < /dev/null > "$T_TMP/out" 2> "$T_TMP/err")
expect_eq "$?" 100 "with a Maildir argument and no IMAPLOGINTAG: still exit 100"

# As a user: run it the way a checker does, through tests/bin/checkpassword-test.
add_user joe 'Pw'
export CHECKPASSWORD_TEST_USERS=$USERS
printf 'a LOGOUT\r\n' > "$T_TMP/in"
printf 'joe\0Pw\0now\0' | (timeout 10 "$BIN/checkpassword-test" "$IMAPD" serve 3<&0 < "$T_TMP/in" > "$T_TMP/out" 2> "$T_TMP/err")
rc=$?
note "stdout:"; show "$T_TMP/out"; note "stderr:"; show "$T_TMP/err"
expect_eq "$rc" 0 "as uid $UID_joe: exit 0 after LOGOUT"
tr -d '\r' < "$T_TMP/out" > "$T_TMP/out.lf"
expect "$T_TMP/out.lf" '^\* PREAUTH' "without IMAPLOGINTAG: * PREAUTH greeting"
expect "$T_TMP/out.lf" '^\* BYE' "LOGOUT: * BYE"
expect "$T_TMP/out.lf" '^a OK' "LOGOUT: a OK"
[ -d "$HOME_joe/MAILDIR.IMAP/cur" ] && pass "~/MAILDIR.IMAP created" || fail "~/MAILDIR.IMAP not created"

printf 'b LOGOUT\r\n' > "$T_TMP/in"
printf 'joe\0Pw\0now\0' | (IMAPLOGINTAG=t7 timeout 10 "$BIN/checkpassword-test" "$IMAPD" serve Mail2 3<&0 < "$T_TMP/in" > "$T_TMP/out" 2> "$T_TMP/err")
tr -d '\r' < "$T_TMP/out" > "$T_TMP/out.lf"
show "$T_TMP/out.lf"
expect "$T_TMP/out.lf" '^t7 OK \[CAPABILITY [^]]*IMAP4rev1' "with IMAPLOGINTAG=t7: t7 OK [CAPABILITY ...]"
expect_not "$T_TMP/out.lf" 'PREAUTH' "with IMAPLOGINTAG: no PREAUTH"
[ -d "$HOME_joe/Mail2/cur" ] && pass "Maildir argument used (~/Mail2)" || fail "~/Mail2 not created"
