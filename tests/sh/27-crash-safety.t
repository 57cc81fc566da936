#!/usr/bin/env bash
# Issue 3 item 4 and DESIGN.md 3: "a literal that does not arrive whole leaves nothing
# behind in cur/ or new/", even when imapd dies.  An `imapd serve` session (as nobody,
# PREAUTH over a pipe, driven by tests/bin/imapfault crash) starts an APPEND of an
# 8 MiB literal, gets half of it, and is killed with SIGKILL while it waits for the rest
# (no destructor runs).  Then:
#   - new/ and cur/ hold exactly what they held before, byte for byte; dovecot-uidlist is
#     unchanged and no dovecot-uidlist.lock is left (UIDs are assigned only after the
#     literal is whole);
#   - tmp/ may hold the partial file: allowed because the Maildir convention
#     (https://cr.yp.to/proto/maildir.html: readers delete files in tmp/ not accessed
#     for 36 hours; Dovecot does) removes it, so it must be a plain file under a unique
#     delivery name (time.MusecPpidQn.host), no larger than what was sent, with no other
#     link (nothing in new/ or cur/ shares it).  What was seen is printed;
#   - a new session sees the mailbox unchanged: the same UIDVALIDITY, UIDNEXT, EXISTS,
#     UIDs and flags, and its APPEND gets UIDNEXT (the dead session took no UID).
. "$(dirname "$0")/lib.sh"

need_imapd
id nobody > /dev/null 2>&1 || skip_all "no user nobody"

D=$T_TMP/crash
M=$D/Maildir
mkdir -p "$D"
timeout 20 "$BIN/mkmaildir" "$M" 5 2 nobody || fail "mkmaildir"
chown nobody: "$D"
SERVE="setuidgid nobody $IMAPD serve $M"

# state NAME: new/ and cur/ (name and SHA-1 of each file) into $T_TMP/state.NAME
state() {
	(cd "$M" && find new cur -type f -printf '%p\n' | sort | while read -r f; do
		printf '%s %s\n' "$f" "$(sha1sum < "$f" | cut -d' ' -f1)"
	done) > "$T_TMP/state.$1"
}

# session NAME LINES...: one imapd session; transcript in $T_TMP/NAME.out
session() {
	local name=$1
	shift
	timeout 40 "$BIN/imappipe" -t 20 "$SERVE" "$@" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err"
	note "$name:"; show "$T_TMP/$name.out"
	[ -s "$T_TMP/$name.err" ] && { note "$name stderr:"; show "$T_TMP/$name.err"; }
}
field() { sed -n "s/^\\* OK \\[$2 \\([0-9]*\\)\\].*/\\1/p" "$T_TMP/$1.out"; }

session before 'a1 SELECT INBOX' 'a2 FETCH 1:* (UID FLAGS)' 'a3 LOGOUT'
expect "$T_TMP/before.out" '^a1 OK ' "before: SELECT OK"
uidv=$(field before UIDVALIDITY)
uidnext=$(field before UIDNEXT)
expect_eq "$uidnext" 6 "before: UIDNEXT 6 (5 messages)"
state before
cp "$M/dovecot-uidlist" "$T_TMP/uidlist.before" 2> /dev/null || fail "no dovecot-uidlist after the first session"

O=$T_TMP/kill
mkdir -p "$O"
setsid timeout -k 5 60 "$PYTHON" "$BIN/imapfault" -t 20 crash "$O" "$M" setuidgid nobody "$IMAPD" serve "$M" > "$O/driver.out" 2>&1 &
T_PGIDS+=("$!")
wait "$!"
expect_eq "$?" 0 "the driver ran to its end"
note "events:"; show "$O/events"
note "transcript:"; show "$O/transcript"
note "imapd's log:"; show "$O/stderr"
[ -s "$O/driver.out" ] && show "$O/driver.out"
expect "$O/transcript" '^\+ ' "the server asked for the literal"
lit=$(sed -n 's/^> C2 APPEND INBOX {\([0-9]*\)}$/\1/p' "$O/transcript")
sent=$(awk '$1 == "sent" { print $3 }' "$O/events")
if [ -n "$sent" ] && [ -n "$lit" ] && [ "$sent" -gt 0 ] && [ "$sent" -lt "$lit" ]; then
	pass "sent $sent of the literal's $lit bytes"
else
	fail "sent '$sent' of '$lit' bytes (want part of it)"
fi
expect "$O/events" '^killed [0-9]+$' "imapd was killed with SIGKILL mid-literal"
expect "$O/events" '^exit -9$' "imapd died of that SIGKILL (it had not ended by itself)"
expect_not "$O/transcript" '^C2 ' "no tagged answer to the unfinished APPEND"

state after
if cmp -s "$T_TMP/state.before" "$T_TMP/state.after"; then
	pass "new/ and cur/ unchanged, byte for byte"
else
	fail "new/ and cur/ changed:"; diff "$T_TMP/state.before" "$T_TMP/state.after" | sed 's/^/    /'
fi
cmp -s "$T_TMP/uidlist.before" "$M/dovecot-uidlist" && pass "dovecot-uidlist unchanged" || fail "dovecot-uidlist changed"
[ -e "$M/dovecot-uidlist.lock" ] && fail "dovecot-uidlist.lock left behind" || pass "no dovecot-uidlist.lock left behind"

# What is left in tmp/
left=$(find "$M/tmp" -mindepth 1 | wc -l)
note "observed: $left file(s) in tmp/ after the kill"
find "$M/tmp" -mindepth 1 -printf '    | %f %s bytes, %n link(s), %y, owner %u\n'
if [ "$left" = 0 ]; then
	pass "nothing left in tmp/"
else
	expect_eq "$left" 1 "at most one leftover in tmp/ (the one unfinished message)"
	f=$(find "$M/tmp" -mindepth 1 | head -n1)
	n=$(basename "$f")
	[[ $n =~ ^[0-9]+\.M[0-9]+P[0-9]+Q[0-9]+\.[^/:]+$ ]] && pass "the leftover has a unique delivery name ($n)" || fail "the leftover's name '$n' is not a delivery name"
	[ -f "$f" ] && [ ! -L "$f" ] && pass "the leftover is a plain file" || fail "the leftover is not a plain file"
	expect_eq "$(stat -c %h "$f")" 1 "the leftover has no other link (nothing in new/ or cur/ is it)"
	sz=$(stat -c %s "$f")
	[ "$sz" -le "$sent" ] && pass "the leftover ($sz bytes) is no more than was sent ($sent): a partial message" || fail "the leftover has $sz bytes, more than the $sent sent"
	expect_eq "$(stat -c %U "$f")" nobody "the leftover belongs to the user (a Maildir reader can remove it)"
	# The Maildir way: a reader removes what sat in tmp/ for over 36 hours. SELECT
	# leaves a younger leftover alone, and removes it once it is 37 hours old.
	session young 'b1 SELECT INBOX' 'b2 LOGOUT'
	[ -e "$f" ] && pass "a young leftover in tmp/ stays (its delivery may still be running)" || fail "SELECT removed a young file from tmp/"
	touch -a -m -d '37 hours ago' "$f"
	session aged 'b1 SELECT INBOX' 'b2 LOGOUT'
	[ -e "$f" ] && fail "SELECT left a 37-hour-old file in tmp/" || pass "SELECT removed the 37-hour-old leftover from tmp/"
fi

printf 'Subject: after the crash\n\nhello\n' > "$T_TMP/after.eml"
session after 'c1 SELECT INBOX' 'c2 FETCH 1:* (UID FLAGS)' "c3 APPEND INBOX <$T_TMP/after.eml" 'c4 LOGOUT'
expect "$T_TMP/after.out" '^c1 OK ' "a new session: SELECT OK"
expect_eq "$(field after UIDVALIDITY)" "$uidv" "a new session: the same UIDVALIDITY"
expect_eq "$(field after UIDNEXT)" "$uidnext" "a new session: the same UIDNEXT"
expect "$T_TMP/after.out" '^\* 5 EXISTS$' "a new session: * 5 EXISTS"
expect "$T_TMP/after.out" '^\* 0 RECENT$' "a new session: * 0 RECENT"
expect_eq "$(grep '^\* [0-9]* FETCH' "$T_TMP/after.out")" "$(grep '^\* [0-9]* FETCH' "$T_TMP/before.out")" "a new session: the same UIDs and flags"
expect "$T_TMP/after.out" "^c3 OK \\[APPENDUID $uidv $uidnext\\] " "a new session: APPEND gets UID $uidnext (the killed session took none)"
expect_eq "$(find "$M/new" "$M/cur" -type f | wc -l)" 6 "six messages now, in new/ and cur/"
