#!/usr/bin/env bash
# Issue 7 item 5, DESIGN.md 3: crash safety by kill -9.  tests/bin/imapchaos kills
# `imapd serve` (as nobody, PREAUTH on a pipe) with SIGKILL CHAOS_KILLS times (200 here;
# `make chaos` runs 1,000) at random points of APPEND, MULTIAPPEND, UID COPY, UID MOVE,
# UID STORE, STORE \Deleted + EXPUNGE / UID EXPUNGE, RENAME and the dovecot-uidlist
# rewrite (by a random delay, the moment it holds dovecot-uidlist.lock, or strace
# -e inject=...:signal=KILL on its Nth rename/link/unlink/fsync/write/openat), while an
# MTA delivers into new/ and cur/ the ways qmail-local, procmail, maildrop and Dovecot's
# LDA do, a second server renames the delivered files (new/ -> cur/ :2,S; F on and off
# in cur/), and two sessions that are never killed APPEND, FETCH, STORE and SEARCH.
# After each kill: every message that got a tagged OK (APPENDUID/COPYUID) or that a
# session saw is there exactly once with its UID, no UID names two messages,
# UIDVALIDITY unchanged, a lock the dead session left is broken by the next session
# once older than the 2-minute limit (aged with utime), tmp/ leftovers removed once
# older than 36 hours (the Maildir rule, https://cr.yp.to/proto/maildir.html).
# See tests/bin/imapchaos for each rule.  Knobs: CHAOS_KILLS (200), CHAOS_SEED (40).
# Kill -9 leaves the page cache alone: it cannot show a missing fsync (power loss).
#
# How the assertions were seen to fail (the tool's functions run by hand on a seeded
# Maildir): unlinking a told message's file gives "lost"; a second copy of a file
# under another name gives "duplicate" and "uid-changed"; an empty
# .Folder/dovecot-uidlist.lock nobody holds is found, aged and broken by the check
# session; a file `garbage name` in tmp/ gives "tmp/ ... delivery name".  The model's
# own rules are tried first on histories written out by hand ("the model: ..."): with
# seeds 40 and 45 the old model reported "lost: ...: its MOVE was killed and it is in
# neither folder" for a message the same victim had STOREd \Deleted and EXPUNGEd with
# OK before its UID MOVE (which then moves nothing), and it excused any message whose
# STORE \Deleted was killed even when no EXPUNGE followed.  On main the
# background sessions' FETCH RFC822.SIZE drops the connection (files without ,W= the
# second server renamed): the vanishing-file bug of issue 7.
. "$(dirname "$0")/lib.sh"
need_imapd
command -v setuidgid > /dev/null || skip_all "no setuidgid (daemontools)"
command -v strace > /dev/null || skip_all "no strace"
getent passwd nobody > /dev/null || skip_all "no user nobody"

KILLS=${CHAOS_KILLS:-200}
SEED=${CHAOS_SEED:-40}
T0=$(now)
timeout -k 5 $((60 + KILLS * 3)) "$PYTHON" "$BIN/imapchaos" "$T_TMP/Maildir" "$T_TMP/out" "$KILLS" "$SEED" "$IMAPD" \
	> "$T_TMP/chaos.out" 2> "$T_TMP/chaos.err"
expect_eq "$?" 0 "imapchaos ran to its end ($KILLS kills, seed $SEED)"
[ -s "$T_TMP/chaos.err" ] && show "$T_TMP/chaos.err"
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done < "$T_TMP/chaos.out"
grep -q '^ok .*SIGKILLs' "$T_TMP/chaos.out" || fail "imapchaos printed no results"
if [ "$T_FAILS" -gt 0 ]; then
	note "the failures (all of them in $T_TMP/out/failures with KEEP=1):"
	sort "$T_TMP/out/failures" | cut -c1-240 | uniq -c | sort -rn | head -20 | sed 's/^/    /'
fi
note "imapd's log of the sessions never killed:"
grep -h -v 'login ok\|logout user' "$T_TMP/out"/bg*.stderr 2> /dev/null | sort | uniq -c | head -10 | sed 's/^/    /'
note "whole test: $(since "$T0")s"
