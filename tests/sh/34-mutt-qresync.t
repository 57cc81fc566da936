#!/usr/bin/env bash
# Debian's mutt (2.2) resynchronises a mailbox with QRESYNC (RFC 7162 3.2) against the
# real service (svscan, tcpserver, run, imapd), driven inside tmux like 32-mutt-browse.t.
#
# joe's INBOX holds four messages.  mutt, with imap_condstore, imap_qresync and a header
# cache (where mutt keeps UIDVALIDITY and HIGHESTMODSEQ for QRESYNC), opens INBOX and quits.
# While it is away the maildir changes by hand, as another agent would change it: message
# "two" becomes \Flagged \Seen (renamed to :2,FS in cur/), message "three" is deleted
# (its file removed).  mutt opens INBOX again.
# mutt 2.2 does not resynchronise with SELECT's QRESYNC parameter (3.2.5): it sends
# SELECT "INBOX" (CONDSTORE), checks UIDVALIDITY against its cache, then asks
# UID FETCH 1:<last cached UID> (FLAGS) (CHANGEDSINCE <cached modseq> VANISHED) (3.2.6).
# So the test checks that exchange:
# - run 1: the server enabled QRESYNC (* ENABLED QRESYNC, 3.2.3);
# - run 2: the same UIDVALIDITY; mutt's UID FETCH carries the HIGHESTMODSEQ of run 1 and
#   VANISHED; the server answers * VANISHED (EARLIER) with the UID of "three" (3.2.6,
#   3.2.10) and a FETCH with FLAGS (\Flagged ...) and a MODSEQ for "two" (3.1.4.1); mutt
#   fetches no header again (they come from its cache);
# - the index, what the user sees, lists 3 messages, without "three", with "two" flagged
#   (!) and not new, "one" and "four" still new (N).
# mutt's IMAP traffic (mutt -d 2: ~/.muttdebug0 is the latest run; the lines it sends
# end in CR there) is shown when a mutt check fails.
. "$(dirname "$0")/lib.sh"

need_mutt

USER_PW='Mu.pw34'
make_service
add_user joe "$USER_PW"
MD=$HOME_joe/MAILDIR.IMAP
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
base=$(( $(date +%s) - 3600 ))
n=0
for subj in one two three four; do
	n=$((n + 1))
	printf 'From: Ann <ann@example.org>\nTo: joe@example.org\nSubject: qresync %s\nDate: Mon, 1 Jun 2026 10:0%d:00 +0000\nMessage-ID: <q%d@example.org>\n\nbody %s\n' \
		"$subj" "$n" "$n" "$subj" > "$MD/cur/$((base + n)).M${n}P1Q$n.test:2,"
	touch -d "@$((base + n))" "$MD/cur/$((base + n)).M${n}P1Q$n.test:2,"
done
chown -R "$UID_joe:$UID_joe" "$MD"
start_service

mkdir -p "$MUTTHOME/hcache"
write_muttrc "$T_TMP/muttrc" mailbox-order "set imap_condstore
set imap_qresync
set header_cache=$MUTTHOME/hcache/
set index_format=\"%4C %Z %s\""
# index_line SUBJECT: the index line of "qresync SUBJECT" in $SCR
index_line() { grep -E " qresync $1\$" "$SCR"; }
T0=$(now)
MUTT_END=$(( ${EPOCHREALTIME/./} + MUTT_BUDGET * 1000000 ))

# --- run 1: fill the header cache ---
start_mutt "$T_TMP/muttrc"
step 'Mutt: =INBOX \[Msgs:4 New:4 ' "run 1: mutt opens INBOX: 4 messages, 4 new" 15
keys q
wait_mutt_exit "run 1: q: mutt quits, exit status 0"
LOG1=$MUTTHOME/.muttdebug0
if grep -qE '\] [0-9]+< \* ENABLED( .*)? QRESYNC( |$)' "$LOG1"; then
	pass "run 1: mutt enabled QRESYNC: * ENABLED QRESYNC (RFC 7162 3.2.3)"
else
	fail "run 1: mutt enabled QRESYNC: no * ENABLED QRESYNC in its IMAP exchange"
	mutt_trace
fi
UIDVALIDITY=$(grep -oE '\[UIDVALIDITY [0-9]+\]' "$LOG1" | tail -n1 | grep -oE '[0-9]+')
HIGHESTMODSEQ=$(grep -oE '\[HIGHESTMODSEQ [0-9]+\]' "$LOG1" | tail -n1 | grep -oE '[0-9]+')
[ -n "$UIDVALIDITY" ] && [ -n "$HIGHESTMODSEQ" ] \
	|| { fail "run 1: the server's SELECT gave UIDVALIDITY and HIGHESTMODSEQ"; mutt_trace; exit 1; }
note "run 1: UIDVALIDITY $UIDVALIDITY HIGHESTMODSEQ $HIGHESTMODSEQ"

# the UIDs of "two" and "three", as the server numbers them
chat 127.0.0.1 "$PORT" "a LOGIN joe $USER_PW" 'b EXAMINE INBOX' 'c UID SEARCH SUBJECT "qresync three"' \
	'd UID SEARCH SUBJECT "qresync two"' 'e LOGOUT'
UID3=$(grep -E '^\* SEARCH [0-9]+$' "$OUT" | sed -n 1p | grep -oE '[0-9]+$')
UID2=$(grep -E '^\* SEARCH [0-9]+$' "$OUT" | sed -n 2p | grep -oE '[0-9]+$')
[ -n "$UID3" ] && [ -n "$UID2" ] || { fail "UID SEARCH found messages two and three"; show "$OUT"; exit 1; }

# --- while mutt is away: flag "two" by hand, remove "three" ---
f2=$(ls "$MD/cur" | grep -E 'Q2\.')
mv "$MD/cur/$f2" "$MD/cur/${f2%:2,*}:2,FS"
rm "$MD/cur/"*Q3.*
expect_eq "$(ls "$MD/cur" | wc -l)" 3 "by hand: two renamed to :2,FS, three removed; 3 files left in cur/"

# --- run 2: resynchronise ---
start_mutt "$T_TMP/muttrc"
step 'Mutt: =INBOX \[Msgs:3 New:2 Flag:1 ' "run 2: mutt's status bar: 3 messages, 2 new, 1 flagged" 15
screen "$T_TMP/index-2"
expect_eq "$(grep -cE ' qresync [a-z]+$' "$T_TMP/index-2")" 3 "run 2: the index lists 3 messages"
expect_not "$T_TMP/index-2" ' qresync three$' "run 2: 'three', removed, is not listed"
SCR=$T_TMP/index-2
expect_eq "$(index_line two | grep -cE '^ +[0-9]+ +!')" 1 "run 2: 'two' shows flagged (!) and not new: $(index_line two)"
expect_eq "$(index_line one | grep -cE '^ +[0-9]+ +N ')" 1 "run 2: 'one' is still new (N): $(index_line one)"
expect_eq "$(index_line four | grep -cE '^ +[0-9]+ +N ')" 1 "run 2: 'four' is still new (N): $(index_line four)"
SCR=$T_TMP/screen
keys q
wait_mutt_exit "run 2: q: mutt quits, exit status 0"

LOG2=$MUTTHOME/.muttdebug0
grep -E '\] [0-9]+[<>] ' "$LOG2" > "$T_TMP/trace-2"
expect "$T_TMP/trace-2" "< \\* OK \\[UIDVALIDITY $UIDVALIDITY\\]" \
	"run 2: SELECT gives the same UIDVALIDITY $UIDVALIDITY, so mutt may use its cache (RFC 7162 3.2.5)"
expect "$T_TMP/trace-2" "> [a-z0-9]+ UID FETCH 1:[0-9]+ \\(FLAGS\\) \\(CHANGEDSINCE $HIGHESTMODSEQ VANISHED\\)[[:cntrl:]]?\$" \
	"run 2: mutt asked UID FETCH 1:n (FLAGS) (CHANGEDSINCE $HIGHESTMODSEQ VANISHED), the modseq of run 1 from its header cache (RFC 7162 3.2.6)"
expect_not "$T_TMP/trace-2" "HEADER\\.FIELDS" "run 2: mutt fetched no header (its cache served them)"
expect "$T_TMP/trace-2" "< \\* VANISHED \\(EARLIER\\) ([0-9:,]+,)?$UID3(,[0-9:,]+)?\$" \
	"run 2: the server answered * VANISHED (EARLIER) $UID3, the UID of 'three' (RFC 7162 3.2.6, 3.2.10)"
expect "$T_TMP/trace-2" "< \\* [0-9]+ FETCH \\(.*UID $UID2[ )].*" \
	"run 2: the server sent a FETCH for 'two' (UID $UID2)"
if grep -E "< \\* [0-9]+ FETCH \\(.*UID $UID2[ )]" "$T_TMP/trace-2" | grep -E 'MODSEQ \([0-9]+\)' | grep -qE 'FLAGS \(([^)]* )?\\Flagged'; then
	pass "run 2: that FETCH carries FLAGS with \\Flagged and a MODSEQ (RFC 7162 3.1.4.1)"
else
	fail "run 2: the FETCH for 'two' has FLAGS with \\Flagged and a MODSEQ"
	grep -E "UID $UID2[ )]" "$T_TMP/trace-2" | cut -c1-200 | show /dev/stdin
fi
[ "$T_FAILS" = 0 ] || { note "run 2 exchange:"; cut -c1-200 "$T_TMP/trace-2" | tail -n 30 | show /dev/stdin; }
note "mutt took $(since "$T0") s"
