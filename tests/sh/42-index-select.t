#!/usr/bin/env bash
# Issue 8 (part 5), the folder state: "a SELECT or refresh whose directories did not change
# does no readdir and no uidlist parse", and the disk still wins.  A 2,000-message INBOX is
# left alone for a minute (its directories' mtimes set back), one session selects it and
# records imapd.state; the system calls of the next session's SELECT, traced with strace,
# must list no directory (getdents64 on new/ or cur/) and open no dovecot-uidlist.  Then a
# shell renames one message (a flag change, as Dovecot or mutt on the server would make):
# the next SELECT must list cur/ again and show the new flag.
. "$(dirname "$0")/lib.sh"

need_imapd
id nobody > /dev/null 2>&1 || skip_all "no user nobody"
need_strace

M=$T_TMP/Maildir
timeout 60 "$BIN/mkmaildir" "$M" 2000 1000 nobody || fail "mkmaildir"
touch -d '-1 min' "$M/new" "$M/cur"
session() { # session OUT TRACE: one SELECT and a FETCH of message 1's flags
	timeout 60 "$BIN/imappipe" -t 30 \
		"strace -f -qq -y -o $2 -e trace=openat,getdents64 setuidgid nobody $IMAPD serve $M" \
		'a SELECT INBOX' 'b FETCH 1 (FLAGS)' 'c LOGOUT' > "$1" 2> "$1.err"
}
session "$T_TMP/out1" "$T_TMP/trace1"
expect "$T_TMP/out1" '^a OK ' "the first SELECT answered OK"
[ -s "$M/imapd.state" ] && pass "the first SELECT recorded imapd.state" || fail "no imapd.state after a SELECT"

session "$T_TMP/out2" "$T_TMP/trace2"
expect "$T_TMP/out2" '^\* 2000 EXISTS' "the second SELECT sees 2,000 messages"
if grep -qE "getdents64\\([0-9]+<$M/(new|cur)>" "$T_TMP/trace2"; then
	fail "the SELECT of an unchanged folder listed a directory"
	grep -E "getdents64" "$T_TMP/trace2" | head -n 5 | sed 's/^/    > /'
else
	pass "the SELECT of an unchanged folder listed no directory"
fi
if grep -qE "openat\\(.*\"$M/dovecot-uidlist\"" "$T_TMP/trace2"; then
	fail "the SELECT of an unchanged folder opened dovecot-uidlist"
else
	pass "the SELECT of an unchanged folder read no dovecot-uidlist"
fi
if cmp -s <(grep -v '^c ' "$T_TMP/out1") <(grep -v '^c ' "$T_TMP/out2"); then
	pass "both SELECTs answered the same"
else
	fail "the two SELECTs differ"; diff "$T_TMP/out1" "$T_TMP/out2" | head | sed 's/^/    > /'
fi

first=$(cd "$M/cur" && ls | sort | head -n1)
mv "$M/cur/$first" "$M/cur/${first%%:2,*}:2,F"
session "$T_TMP/out3" "$T_TMP/trace3"
grep -qE "getdents64\\([0-9]+<$M/cur>" "$T_TMP/trace3" \
	&& pass "after another program's rename, SELECT lists cur/ again" \
	|| fail "SELECT did not list cur/ after it changed"
expect "$T_TMP/out3" '^\* 1 FETCH \(FLAGS \(\\Flagged\)\)' "and shows the new flag of message 1"
