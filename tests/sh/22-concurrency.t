#!/usr/bin/env bash
# DESIGN.md 3 and 4, issue 3 "Concurrency": 8 `imapd serve` processes on one Maildir
# (INBOX and the folder Folder) doing a seeded random mix of APPEND, UID STORE
# +FLAGS/-FLAGS (\Seen, \Flagged, keywords), UID COPY to Folder, STORE \Deleted +
# UID EXPUNGE / EXPUNGE of their own appended messages, NOOP, UID FETCH and FETCH
# RFC822.SIZE, while a delivery loop drops 500 messages the Maildir way (tmp/, fsync,
# then into new/), named as real MTAs name them: ,S=,W= (Dovecot's LDA), bare
# (qmail-local's link+unlink, procmail's rename), ,S= only (maildrop), or straight into
# cur/ with :2,S; a second server (as Dovecot would) renames files from new/ to cur/
# with :2,S and flips F by renaming in cur/ (issue 7 item 6: with ,W= on every file
# the size never needed the file, so a file renamed under imapd went unseen); and a
# monitor reads both dovecot-uidlist files every few milliseconds, keeping every
# uid -> file pair and UIDVALIDITY.
# Then, from the files on disk AND from a last imapd session (UID FETCH 1:* BODY.PEEK[]):
# every delivered and appended message is there exactly once, the deliberately
# expunged ones are gone, Folder holds one copy per COPY, no UID was given to two
# files and UIDs only ascend (the monitor's history), UIDVALIDITY never changed,
# tmp/ is empty, APPENDUID and COPYUID name what dovecot-uidlist says, no flag
# change was lost, no session was sent EXPUNGE for a message still there or a
# FETCH that contradicts its sequence map (replayed from its transcript), and no
# session got NO/BAD or died.
# The work is done by tests/bin/maildir-stress (worker, deliver, monitor, check);
# every message carries a unique X-Test-Id (a<worker>.<n> appended, d<n> delivered).
#
# Knobs (environment): STRESS_WORKERS (8), STRESS_OPS per worker (700),
# STRESS_DELIVER (500), STRESS_SEED (22), STRESS_DELIVER_SLEEP (mean pause, 0.015 s).
#
# How each assertion was seen to fail (scratch runs with KEEP=1, then re-running
# `maildir-stress check` on the kept directory after a deliberate corruption):
#  - deleting a delivered file from cur/, and hard-linking a second copy of one into
#    cur/ under another name: "every delivered and appended message ... exactly once"
#    and "no message is in INBOX twice" fail on disk, and the IMAP ones in the check
#    session; a file without X-Test-Id dropped into cur/ fails "nobody put there".
#  - editing dovecot-uidlist (swap the uids of two lines; change V): "APPENDUID ...",
#    "COPYUID ...", "every UID shown is the UID dovecot-uidlist gives", "UIDVALIDITY
#    is the uidlist's" and "final INBOX uidlist agrees with the history" fail.
#  - the monitor's rules: feeding History (in maildir-stress) a version that gives a
#    used uid to another file, one with a lower new uid, one with N lower, another V,
#    and one without the final newline: each produces its violation.
#  - a file left in tmp/: the tmp/ check fails; renaming a copy out of .Folder/cur:
#    "Folder holds each copied message once per COPY" fails.
#  - renaming a file to drop its keyword letter: "no flag change was lost" fails.
#  - making imapd's command line wrong (IMAPCMD=false) fails the session checks, and
#    a worker that got a NO prints the transcript tail below its FAILED line.
. "$(dirname "$0")/lib.sh"
need_imapd
command -v setuidgid > /dev/null || skip_all "no setuidgid (daemontools)"
getent passwd nobody > /dev/null || skip_all "no user nobody"

WORKERS=${STRESS_WORKERS:-8}
OPS=${STRESS_OPS:-700}
NDELIVER=${STRESS_DELIVER:-500}
SEED=${STRESS_SEED:-22}
DSLEEP=${STRESS_DELIVER_SLEEP:-0.015}
STRESS=$BIN/maildir-stress
M=$T_TMP/Maildir
OUTD=$T_TMP/out
T0=$(now)

mkdir -p "$M/tmp" "$M/new" "$M/cur" "$M/.Folder/tmp" "$M/.Folder/new" "$M/.Folder/cur"
: > "$M/.Folder/maildirfolder"
chown -R nobody: "$M"
chmod 700 "$M"
mkdir -p "$OUTD"
chmod 1777 "$OUTD"
IMAPCMD="setuidgid nobody $IMAPD serve $M"
note "seed $SEED: $WORKERS sessions x $OPS operations, $NDELIVER deliveries"

# The monitor runs from before the first session until after the last one.
bg timeout 100 "$PYTHON" "$STRESS" monitor "$M" "$OUTD" "$OUTD/stop" 0.003
MON=$BG_PID

# The MTA, as the mailbox owner (imapd must be able to rename its files).
bg timeout 80 setuidgid nobody "$PYTHON" "$STRESS" deliver "$M" "$NDELIVER" "$SEED" "$OUTD" "$DSLEEP"
DEL=$BG_PID

# The other server, as the mailbox owner, until the sessions are done.
bg timeout 100 setuidgid nobody "$PYTHON" "$STRESS" second "$M" "$SEED" "$OUTD" "$OUTD/stop2" 0.01
SECOND=$BG_PID

pids=()
for ((i = 0; i < WORKERS; i++)); do
	bg timeout 80 "$PYTHON" "$STRESS" worker "$M" "$i" "$SEED" "$OPS" "$OUTD" "$IMAPCMD"
	pids+=("$BG_PID")
done
wrc=0
for p in "${pids[@]}"; do wait "$p" || wrc=$?; done
note "sessions done after $(since "$T0")s"
wait "$DEL"
expect_eq "$?" 0 "the delivery loop finished ($NDELIVER messages)"
expect_eq "$wrc" 0 "every worker finished (none killed by its 80 s limit)"
touch "$OUTD/stop2"
wait "$SECOND"
expect_eq "$?" 0 "the second server finished"
note "MTA: $(cat "$OUTD/deliver.json" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["styles"])'); second server: $(cat "$OUTD/second.json" 2> /dev/null)"
note "delivery and sessions done after $(since "$T0")s"

# One more session picks up whatever is still in new/ while the monitor watches.
printf 'a SELECT INBOX\r\nb SELECT Folder\r\nc LOGOUT\r\n' |
	timeout 20 setuidgid nobody "$IMAPD" serve "$M" > "$T_TMP/settle.out" 2> "$T_TMP/settle.err"
expect_eq "$?" 0 "a last session selects INBOX and Folder and logs out"
touch "$OUTD/stop"
wait "$MON"
expect_eq "$?" 0 "the monitor finished"

n=0
for ((i = 0; i < WORKERS; i++)); do [ -s "$OUTD/worker.$i.json" ] && n=$((n + 1)); done
expect_eq "$n" "$WORKERS" "every worker wrote its record"

# No file left in tmp/ (APPEND and COPY go through tmp/, the MTA too).
left=$(find "$M/tmp" "$M/.Folder/tmp" -type f | wc -l)
expect_eq "$left" 0 "no file left in tmp/ of INBOX or Folder"
[ "$left" = 0 ] || find "$M/tmp" "$M/.Folder/tmp" -type f | head -5 | sed 's/^/    /'

# imapd's stderr is its log: logins and logouts, nothing about panics or errors.
cat "$OUTD"/worker.*.stderr "$T_TMP/settle.err" 2> /dev/null > "$T_TMP/stderr.all"
expect_not "$T_TMP/stderr.all" 'panic|SERVERBUG|RUST_BACKTRACE|[Ee]rror' "imapd logged no panic or error"

timeout 60 "$PYTHON" "$STRESS" check "$M" "$OUTD" "$IMAPCMD" > "$T_TMP/check.out" 2> "$T_TMP/check.err"
expect_eq "$?" 0 "maildir-stress check ran"
[ -s "$T_TMP/check.err" ] && show "$T_TMP/check.err"
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done < "$T_TMP/check.out"
grep -q '^ok IMAP: INBOX shows' "$T_TMP/check.out" || grep -q '^FAIL IMAP: INBOX shows' "$T_TMP/check.out" ||
	fail "the check's last session did not get as far as INBOX"

took=$(since "$T0")
note "whole test: ${took}s"
fge 90 "$took" && pass "done within 90 s (${took}s)" || fail "took ${took}s, more than 90 s"
