#!/usr/bin/env bash
# Issue 3 item 5 and DESIGN.md 3: a full disk.  A 256 KiB tmpfs holds a Maildir owned
# by nobody; ONE `imapd serve` session (as nobody, PREAUTH over a pipe, driven by
# tests/bin/imapfault diskfull) goes through:
#   B  an APPEND literal of 1 MiB (four times the filesystem) that hits ENOSPC part-way:
#      tagged NO [OVERQUOTA] (RFC 5530 3), the literal is read to its end (the next
#      command is answered), nothing is left in tmp/ and the space comes back; the same
#      with a non-synchronizing literal (LITERAL+, RFC 7888);
#   F  APPENDs until the filesystem is full: the failing one gets NO [OVERQUOTA], every
#      earlier one is in cur/ byte for byte under the UID its APPENDUID gave, the failed
#      one is nowhere, tmp/ is empty;
#   C  root then takes the last free bytes (the disk is full to 0): NOOP and FETCH still
#      work, a small APPEND gets NO [OVERQUOTA];
#   R  STORE changes flags on the full disk (renames need no space), on disk;
#   X  EXPUNGE frees space, then APPEND works and gets the next UID (none reused,
#      checked in dovecot-uidlist), UIDVALIDITY never changes;
#   P  exactly one free page: room for the message but not for a new dovecot-uidlist;
#      whatever the answer, it comes, no lock is left behind, the message is not lost
#      or doubled, and once there is room it has a UID never used before;
#   end imapd exits 0, never panics, its log names the failure (ENOSPC) and never shows
#      message contents (each message carries an X-Test-Password line).
# Then a second tmpfs with room but no free inode: creating the file in tmp/ fails with
# ENOSPC, which is [OVERQUOTA] as well (sync and LITERAL+ literals).
#
# Needs root and mount(2) (skips when tmpfs cannot be mounted, e.g. in an unprivileged
# container).  Both mounts are unmounted by the EXIT trap.
. "$(dirname "$0")/lib.sh"

need_imapd
id nobody > /dev/null 2>&1 || skip_all "no user nobody"

MOUNTS=()
unmount_all() {
	local rc=$? m p i
	for p in "${T_PGIDS[@]}"; do kill -KILL -- "-$p" 2> /dev/null; done
	for m in "${MOUNTS[@]}"; do
		for ((i = 0; i < 20; i++)); do
			umount "$m" 2> /dev/null && break
			sleep 0.2
		done
		mountpoint -q "$m" && { note "umount $m failed; lazy unmount"; umount -l "$m"; }
	done
	(exit "$rc")
	cleanup
}
trap unmount_all EXIT

# small_fs DIR OPTIONS: mount a tmpfs on DIR (skips the test when not permitted)
small_fs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "$2" tmpfs "$1" 2> "$T_TMP/mount.err"; then
		skip_all "cannot mount a tmpfs here ($(tr '\n' ' ' < "$T_TMP/mount.err")); the disk-full test needs root with mount permission"
	fi
	MOUNTS+=("$1")
}

# run_driver OUT ARGS...: tests/bin/imapfault in its own process group, bounded
run_driver() {
	local out=$1
	shift
	mkdir -p "$out"
	setsid timeout -k 5 90 "$PYTHON" "$BIN/imapfault" -t 20 "$@" > "$out/driver.out" 2>&1 &
	T_PGIDS+=("$!")
	wait "$!"
	DRIVER_RC=$?
	[ -s "$out/driver.out" ] && sed 's/^/    driver: /' "$out/driver.out"
}

sha() { sha1sum < "$1" | cut -d' ' -f1; }

# in_snap SNAP SHA1: how many files of tmp/new/cur in SNAP have that content
in_snap() { awk -v h="$2" '$3 == h' "$1" | wc -l; }
# count_sub SNAP SUB: files in SUB (tmp, new, cur)
count_sub() { awk -v s="$2" '$1 == s' "$1" | wc -l; }

# uid_file UIDLIST SNAP UID: "SUB NAME SHA1" of the file dovecot-uidlist gives to UID
uid_file() {
	local base
	base=$(awk -v u="$3" 'NR > 1 && $1 == u { sub(/^[^:]*:/, ""); print; exit }' "$1")
	[ -n "$base" ] || return 0
	awk -v b="$base" '$2 == b || index($2, b ":2,") == 1 { print $1, $2, $3 }' "$2"
}

# uidlist_ok UIDLIST: UIDs strictly ascending and all below N
uidlist_ok() {
	awk 'NR == 1 { for (i = 2; i <= NF; i++) if ($i ~ /^N/) n = substr($i, 2) + 0; next }
	     { if ($1 + 0 <= last || $1 + 0 >= n) bad = 1; last = $1 + 0 }
	     END { exit bad || n == 0 }' "$1"
}
header() { sed -n "1s/.* $2\([0-9]*\).*/\1/p" "$1"; }

S=$T_TMP/small
small_fs "$S" size=256k,mode=0755
M=$S/Maildir
timeout 20 "$BIN/mkmaildir" "$M" 3 1 nobody || fail "mkmaildir"
chown nobody: "$S"
O=$T_TMP/df
run_driver "$O" diskfull "$O" "$M" "$S/ballast" setuidgid nobody "$IMAPD" serve "$M"
note "events:"; show "$O/events"
note "transcript (FETCH lines of H1/A2/P3 left out):"
grep -Ev '^\* [0-9]+ FETCH \(UID [0-9]+ FLAGS \([^)]*\)( RFC822.SIZE [0-9]+)?\)$' "$O/transcript" | show /dev/stdin
note "imapd's log:"; show "$O/stderr"
T=$O/transcript
EV=$O/events
expect_eq "$DRIVER_RC" 0 "the driver ran to its end"
expect_not "$EV" '^(timeout|closed) ' "every command was answered, the connection never dropped"

ev() { awk -v k="$1" -v t="$2" '$1 == k && $2 == t { $1 = ""; $2 = ""; sub(/^  /, ""); print }' "$EV"; }
avail() { awk -v t="$1" '$1 == "df" && $2 == t { print $3 }' "$EV"; }

# --- B: a literal much larger than the disk -------------------------------------------
biglen=$(sed -n 's/^> B1 APPEND INBOX {\([0-9]*\)}$/\1/p' "$T")
start=$(avail start)
if [ -n "$biglen" ] && [ -n "$start" ] && [ "$biglen" -gt "$start" ]; then
	pass "B1's literal ($biglen bytes) is larger than the free space ($start bytes): ENOSPC part-way"
else
	fail "B1's literal ($biglen) is not larger than the free space ($start)"
fi
expect_order "$T" '^\+ ' '^B1 ' "B1: the continuation came, the server took the literal"
expect "$T" '^B1 NO \[OVERQUOTA\] ' "B1: tagged NO [OVERQUOTA] (RFC 5530 3)"
expect "$T" '^B2 OK ' "B2 NOOP after it is answered: the literal was read to its end"
expect_eq "$(count_sub "$O/snap.afterbig" tmp)" 0 "after B1: tmp/ is empty"
expect_eq "$(grep -v '^tmp ' "$O/snap.afterbig")" "$(grep -v '^tmp ' "$O/snap.start")" "after B1: new/ and cur/ unchanged"
expect_eq "$(avail afterbig)" "$start" "after B1: the space is given back"
expect "$T" '^B3 NO \[OVERQUOTA\] ' "B3 (LITERAL+ {n+}, 600 KiB): tagged NO [OVERQUOTA]"
expect "$T" '^B4 OK ' "B4 NOOP after it is answered: the non-synchronizing literal was read to its end"
expect_eq "$(cat "$O/snap.afterbigplus" 2>/dev/null)" "$(cat "$O/snap.start")" "after B3: tmp/, new/ and cur/ unchanged"

# --- F: APPEND until full ---------------------------------------------------------------
nok=$(awk '$1 == "append" && $2 ~ /^F/ && $3 == "OK"' "$EV" | wc -l)
nfail=$(awk '$1 == "append" && $2 ~ /^F/ && $3 != "OK" && $3 != "OKNOUID"' "$EV" | wc -l)
ftag=$(awk '$1 == "append" && $2 ~ /^F/ && $3 != "OK" && $3 != "OKNOUID" { print $2; exit }' "$EV")
# Where the last message fits but a new dovecot-uidlist does not, its APPEND is OK without
# APPENDUID (as in P below): the message is kept, and gets its UID once there is room.
nouid=$(awk '$1 == "append" && $2 ~ /^F/ && $3 == "OKNOUID"' "$EV" | wc -l)
[ "$nouid" -le 1 ] && pass "at most one APPEND stored without a UID ($nouid)" || fail "$nouid APPENDs stored without a UID"
if [ "$nouid" = 1 ]; then
	nfile=$(awk '$1 == "append" && $2 ~ /^F/ && $3 == "OKNOUID" { print $NF }' "$EV")
	expect_eq "$(in_snap "$O/snap.fillfailed" "$(sha "$nfile")")" 1 "the APPEND without a UID: its message is in cur/ once"
fi
[ "$nok" -ge 5 ] && pass "$nok APPENDs fitted before the disk was full" || fail "only $nok APPENDs fitted"
expect_eq "$nfail" 1 "exactly one APPEND failed (the fill stops there)"
if [ -n "$ftag" ]; then
	expect "$T" "^$ftag NO \\[OVERQUOTA\\] " "$ftag, the APPEND that did not fit: tagged NO [OVERQUOTA]"
	failfile=$(ev append "$ftag" | awk '{ print $NF }')
	expect_eq "$(in_snap "$O/snap.fillfailed" "$(sha "$failfile")")" 0 "$ftag's message is not in tmp/, new/ or cur/"
else
	fail "no APPEND got a NO: the filesystem never filled"
fi
expect_eq "$(count_sub "$O/snap.fillfailed" tmp)" 0 "after the failed APPEND: tmp/ is empty"
expect_eq "$(count_sub "$O/snap.fillfailed" new)" 0 "new/ is empty (APPEND goes to cur/)"
expect_eq "$(count_sub "$O/snap.fillfailed" cur)" $((3 + nok + nouid)) "cur/ holds the 3 first messages and the $((nok + nouid)) appended"
expect_eq "$(header "$O/uidlist.fillfailed" V)" "$(header "$O/uidlist.start" V)" "UIDVALIDITY unchanged"
# Each APPENDed message: in cur/ once, byte for byte, under the UID APPENDUID gave
bad=0
lastuid=0
while read -r _ tag _ uid file; do
	h=$(sha "$file")
	got=$(uid_file "$O/uidlist.fillfailed" "$O/snap.fillfailed" "$uid")
	if [ "$(in_snap "$O/snap.fillfailed" "$h")" != 1 ] || [ "${got##* }" != "$h" ] || [ "${got%% *}" != cur ]; then
		bad=$((bad + 1))
		note "$tag (UID $uid, $file): uidlist gives '$got', want content $h once in cur/"
	fi
	lastuid=$uid
done < <(awk '$1 == "append" && $2 ~ /^F/ && $3 == "OK"' "$EV")
expect_eq "$bad" 0 "every APPENDed message is in cur/ byte for byte under its APPENDUID (dovecot-uidlist)"

# --- C: the disk full to the last byte ---------------------------------------------------
expect_eq "$(avail full)" 0 "root took the last bytes: 0 bytes free"
expect "$T" '^N1 OK ' "N1 NOOP on the full disk: OK"
expect "$T" '^H1 OK ' "H1 FETCH 1:* on the full disk: OK"
expect_eq "$(grep -cE '^\* [0-9]+ FETCH \(UID [0-9]+ FLAGS \([^)]*\) RFC822.SIZE [0-9]+\)$' <(sed -n '/^> H1 /,/^H1 /p' "$T"))" $((3 + nok)) "H1: one FETCH per message"
m2=$(awk '$1 == "cur" && $2 ~ /Q2\./ { print $2 }' "$O/snap.full" | head -n1)
if [ -f "$O/fetched/H2.1" ] && [ -n "$m2" ]; then
	expect_eq "$(tr -d '\r' < "$O/fetched/H2.1" | sha1sum | cut -d' ' -f1)" "$(awk -v n="$m2" '$2 == n { print $3 }' "$O/snap.full")" "H2 FETCH BODY.PEEK[] of message 2 on the full disk: its content"
else
	fail "H2 FETCH BODY.PEEK[]: no literal came back"
fi
expect "$T" '^T1 NO \[OVERQUOTA\] ' "T1, a 200-byte APPEND on the full disk: NO [OVERQUOTA]"
expect "$T" '^T2 OK ' "T2 NOOP after it: OK"
tinyfile=$(ev append T1 | awk '{ print $NF }')
[ -n "$tinyfile" ] && expect_eq "$(in_snap "$O/snap.stored" "$(sha "$tinyfile")")" 0 "T1's message is nowhere on disk"

# --- R: STORE on the full disk ------------------------------------------------------------
expect_eq "$(avail stored)" 0 "still 0 bytes free during STORE"
expect "$T" '^R1 OK ' "R1 STORE 1:3 +FLAGS (\\Flagged \\Answered) on the full disk: OK"
expect "$T" '^R2 OK ' "R2 STORE 4 FLAGS (\\Seen \\Draft) on the full disk: OK"
# \Recent as well: this session appended it (RFC 3501 2.3.2).
expect "$T" '^\* 4 FETCH \(UID 4 FLAGS \(\\Draft \\Seen \\Recent\)\)$' "R3 FETCH shows message 4 with \\Draft \\Seen"
flags_of() { uid_file "$O/uidlist.stored" "$O/snap.stored" "$1" | awk '{ n = $2; sub(/.*:2,/, "", n); print n }'; }
expect_eq "$(flags_of 1)" FRS "on disk: UID 1 is :2,FRS"
expect_eq "$(flags_of 2)" FR "on disk: UID 2 is :2,FR"
expect_eq "$(flags_of 3)" FR "on disk: UID 3 is :2,FR"
expect_eq "$(flags_of 4)" DS "on disk: UID 4 is :2,DS"
expect_eq "$(awk '{ print $3 }' "$O/snap.stored" | sort)" "$(awk '{ print $3 }' "$O/snap.full" | sort)" "after STORE: every message's content unchanged, none lost, tmp/ as before"

# --- X: EXPUNGE frees space, APPEND works again with the next UID ---------------------------
expect "$T" '^X2 OK ' "X2 EXPUNGE on the full disk: OK"
expect_eq "$(sed -n '/^> X2 /,/^X2 /p' "$T" | grep -c '^\* 5 EXPUNGE$')" 4 "X2: four * 5 EXPUNGE"
ex=$(avail expunged)
[ -n "$ex" ] && [ "$ex" -gt 0 ] && pass "EXPUNGE freed $ex bytes" || fail "EXPUNGE freed no space ($ex)"
for u in 5 6 7 8; do
	[ -z "$(uid_file "$O/uidlist.stored" "$O/snap.expunged" "$u")" ] || fail "UID $u still on disk after EXPUNGE"
done
# (imapd drops the lines of expunged messages from dovecot-uidlist at its next rewrite,
# as Dovecot may; a line without a file gives no UID to anything.)
nextuid=$(header "$O/uidlist.full" N)
expect_eq "$nextuid" $((lastuid + 1)) "dovecot-uidlist N on the full disk is the last APPENDUID + 1"
auid=$(ev append A1 | awk '$1 == "OK" { print $2 }')
# The message stored without a UID takes the next one first, at the rescan after EXPUNGE.
expect_eq "$auid" "$((nextuid + nouid))" "A1 APPEND after EXPUNGE: OK [APPENDUID v $((nextuid + nouid))], the next UID"
if [ -n "$auid" ]; then
	used=$(cat "$O"/uidlist.start "$O"/uidlist.fillfailed "$O"/uidlist.full | awk 'FNR > 1 { print $1 }' | grep -cx "$auid")
	expect_eq "$used" 0 "UID $auid was never used before"
	got=$(uid_file "$O/uidlist.again" "$O/snap.again" "$auid")
	expect_eq "${got##* }" "$(sha "$(ev append A1 | awk '{ print $NF }')")" "dovecot-uidlist gives UID $auid to A1's message, byte for byte"
	expect_eq "$(header "$O/uidlist.again" N)" $((auid + 1)) "dovecot-uidlist N is now $((auid + 1))"
fi
uidlist_ok "$O/uidlist.again" && pass "dovecot-uidlist after A1: UIDs ascending, all below N" || fail "dovecot-uidlist after A1 is out of order"
expect_eq "$(header "$O/uidlist.again" V)" "$(header "$O/uidlist.start" V)" "UIDVALIDITY unchanged after EXPUNGE and APPEND"

# --- P: one free page: room for the message, maybe not for dovecot-uidlist -----------------
expect "$T" '^P1 (OK|NO \[OVERQUOTA\]) ' "P1 APPEND with one free page: answered, OK or NO [OVERQUOTA]"
expect "$T" '^P2 OK ' "P2 NOOP once there is room again: OK"
expect "$T" '^P3 OK ' "P3 UID FETCH 1:*: OK"
tightfile=$(ev append P1 | awk '{ print $NF }')
if [ -f "$O/snap.roomy" ] && [ -n "$tightfile" ]; then
	th=$(sha "$tightfile")
	n=$(in_snap "$O/snap.roomy" "$th")
	if grep -q '^P1 OK' "$T"; then
		expect_eq "$n" 1 "P1 said OK: its message is on disk once"
		tuid=$(awk -v h="$th" 'FNR == NR { if ($3 == h) { b = $2; sub(/:2,.*/, "", b) } next } FNR > 1 && b != "" && substr($0, index($0, ":") + 1) == b { print $1 }' "$O/snap.roomy" "$O/uidlist.roomy")
		[ -n "$tuid" ] && [ "$tuid" -gt "$auid" ] && pass "P1's message has UID $tuid, above every earlier UID" || fail "P1's message has UID '$tuid' (want > $auid)"
	else
		expect_eq "$n" 0 "P1 said NO: its message is nowhere on disk"
	fi
	uidlist_ok "$O/uidlist.roomy" && pass "dovecot-uidlist afterwards: UIDs ascending, all below N" || fail "dovecot-uidlist afterwards is out of order"
else
	fail "the session did not get past P1 (no snapshot after it)"
fi
[ -e "$M/dovecot-uidlist.lock" ] && fail "dovecot-uidlist.lock left behind in the Maildir (other sessions wait 2 minutes for it)" || pass "no dovecot-uidlist.lock left behind"

# --- the session as a whole -----------------------------------------------------------------
expect "$T" '^L1 OK ' "L1 LOGOUT: OK"
expect_eq "$(awk '$1 == "exit" { print $2 }' "$EV")" 0 "imapd exited with status 0"
expect_not "$O/stderr" 'panic|panicked|RUST_BACKTRACE' "imapd's log shows no panic"
expect "$O/stderr" 'No space left on device|os error 28' "imapd's log names the failure (ENOSPC)"
expect_not "$O/stderr" "$(cat "$O/secret")|X-Test-Password" "imapd's log never shows message contents (the X-Test-Password line)"
expect_eq "$(find "$M/tmp" -type f | wc -l)" 0 "at the end tmp/ is empty"

# A new session on the same Maildir: the same UIDVALIDITY, UIDNEXT past every UID used
rm -f "$S/ballast"
OUT=$T_TMP/after.out
timeout 30 "$BIN/imappipe" -t 20 "setuidgid nobody $IMAPD serve $M" 'z1 SELECT INBOX' 'z2 LOGOUT' > "$OUT" 2> "$OUT.err"
show "$OUT"
expect "$OUT" "^\\* OK \\[UIDVALIDITY $(header "$O/uidlist.start" V)\\]" "a new session: the same UIDVALIDITY"
expect "$OUT" '^z1 OK ' "a new session: SELECT OK"
un=$(sed -n 's/^\* OK \[UIDNEXT \([0-9]*\)\].*/\1/p' "$OUT")
[ -n "$un" ] && [ -n "$auid" ] && [ "$un" -gt "$auid" ] && pass "a new session: UIDNEXT $un is past every UID given" || fail "a new session: UIDNEXT '$un' (want > '$auid')"

# --- no free inode ---------------------------------------------------------------------------
I=$T_TMP/noinode
small_fs "$I" size=1m,nr_inodes=64,mode=0755
MI=$I/Maildir
timeout 20 "$BIN/mkmaildir" "$MI" 2 1 nobody || fail "mkmaildir"
chown nobody: "$I"
OI=$T_TMP/ino
run_driver "$OI" inodes "$OI" "$MI" "$I/ballast" setuidgid nobody "$IMAPD" serve "$MI"
note "no free inode: transcript"; show "$OI/transcript"
note "imapd's log:"; show "$OI/stderr"
n=$(awk '$1 == "inodes" { print $2 }' "$OI/events")
[ -n "$n" ] && [ "$(df --output=iavail "$I" | tail -n1 | tr -d ' ')" -ge 0 ] && note "root used the last $n inodes"
expect "$OI/transcript" '^I2 NO \[OVERQUOTA\] ' "no free inode: APPEND gets NO [OVERQUOTA] (ENOSPC creating the file in tmp/)"
expect "$OI/transcript" '^I3 OK ' "I3 NOOP after it: OK"
expect "$OI/transcript" '^J1 NO \[OVERQUOTA\] ' "no free inode, LITERAL+ APPEND: NO [OVERQUOTA]"
expect "$OI/transcript" '^J2 OK ' "J2 NOOP after it: OK (the {n+} literal was read and dropped)"
expect "$OI/transcript" '^I4 OK ' "STORE with no free inode: OK"
expect "$OI/transcript" '^I5 OK \[APPENDUID [0-9]+ 3\] ' "inodes freed: APPEND gets UID 3"
expect_eq "$(count_sub "$OI/snap.end" tmp)" 0 "tmp/ is empty"
for f in "$OI"/sent/noinode*.eml; do
	expect_eq "$(in_snap "$OI/snap.end" "$(sha "$f")")" 0 "$(basename "$f"): not on disk"
done
expect_eq "$(awk '$1 == "exit" { print $2 }' "$OI/events")" 0 "imapd exited with status 0"
expect_not "$OI/stderr" 'panic|panicked' "imapd's log shows no panic"
