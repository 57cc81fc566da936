#!/usr/bin/env bash
# Issue 7 "Durability" and DESIGN.md 3: "Files are replaced durably: write, fsync, rename,
# fsync the directory; the same for dovecot-uidlist, dovecot-keywords, dovecot-uidvalidity
# and subscriptions", and the project rule "every change a client was told about is fsynced
# with its directory before the tagged OK".  A power failure after the tagged OK must not
# take back what the OK promised: an APPENDUID/COPYUID whose uidlist rename was never
# synced is lost, and the next scan hands the same UIDs to other messages (RFC 4315 3:
# a UID given in APPENDUID names that message for as long as the UIDVALIDITY holds).
#
# One `imapd serve` session (as nobody, PREAUTH over a pipe) runs under
# `strace -f -y -e trace=...`; for each command the system calls between the previous
# tagged reply and its own tagged OK must include, in this order:
#   APPEND (the Maildir delivery rule, https://cr.yp.to/proto/maildir.html: write in tmp/,
#     fsync, link into cur/), then the uidlist through its dotlock:
#     fsync(tmp/file) link(tmp/file, cur/...) fsync(cur) open(dovecot-uidlist.lock, O_EXCL)
#     write(lock) fsync(lock) rename(lock, dovecot-uidlist) fsync(folder)  write(1, "t OK")
#   STORE +FLAGS (newkw): write+fsync(tmp/<unique>.dovecot-keywords) rename(-> dovecot-keywords)
#     fsync(folder), then the message's rename and fsync(cur)
#   SUBSCRIBE: write+fsync(subscriptions.lock) rename(-> subscriptions) fsync(root)
#   CREATE, which makes the new folder's uidlist for its MAILBOXID (RFC 8474 4.1):
#     write+fsync(tmp/<unique>.dovecot-uidvalidity) rename(-> dovecot-uidvalidity)
#     fsync(root), and only then the folder's new uidlist (write+fsync(lock) rename
#     fsync(folder))
#   FETCH BODY[] that sets \Seen (RFC 3501 6.4.5): rename(cur/x, cur/x:2,S) fsync(cur)
#   CLOSE with a \Deleted message (RFC 3501 6.4.2): unlink(cur/x) fsync(cur)
#   CREATE: fsync(new folder) fsync(root);  DELETE: rename(folder, tmp/deleted.*) fsync(root)
#   EXPUNGE: unlink(cur/x) fsync(cur);  MOVE (RFC 6851): fsync(target cur) fsync(source cur)
#     and the target's uidlist rename + fsync(target) before the untagged COPYUID.
# Against the binary before issue 7's fixes, 7 of these checks fail: APPEND, STORE's
# keywords, SUBSCRIBE and the uidvalidity had no directory fsync (keywords and uidvalidity
# no fsync at all), FETCH \Seen and CLOSE did not fsync cur/, MOVE's target list was not
# synced.
. "$(dirname "$0")/lib.sh"

need_imapd
id nobody > /dev/null 2>&1 || skip_all "no user nobody"
need_strace

D=$T_TMP/d
M=$D/Maildir
mkdir -p "$D"
timeout 20 "$BIN/mkmaildir" "$M" 3 0 nobody || fail "mkmaildir"
mkdir -p "$M/.Target/cur" "$M/.Target/new" "$M/.Target/tmp"
: > "$M/.Target/maildirfolder"
chown -R nobody: "$D"
TRACE=$T_TMP/strace.log
CALLS=openat,write,writev,fsync,fdatasync,link,linkat,rename,renameat,renameat2,unlink,unlinkat
printf 'Subject: durable\n\nhello\n' > "$T_TMP/msg.eml"
timeout 60 "$BIN/imappipe" -t 30 \
	"strace -f -qq -y -s 512 -o $TRACE -e trace=$CALLS setuidgid nobody $IMAPD serve $M" \
	"a1 APPEND INBOX <$T_TMP/msg.eml" \
	'a2 SELECT INBOX' \
	'a3 STORE 1 +FLAGS (newkw)' \
	'a4 SUBSCRIBE Target' \
	'a5 FETCH 2 BODY[]' \
	'a6 STORE 3 +FLAGS (\Deleted)' \
	'a7 EXPUNGE' \
	'a8 STORE 2 +FLAGS (\Deleted)' \
	'a9 CLOSE' \
	'b1 CREATE Fresh' \
	'b2 SELECT Fresh' \
	'b3 SELECT INBOX' \
	'b4 MOVE 1 Target' \
	'b5 DELETE Fresh' \
	'b6 LOGOUT' > "$T_TMP/out" 2> "$T_TMP/err"
note "transcript:"; show "$T_TMP/out"
[ -s "$T_TMP/err" ] && { note "stderr:"; show "$T_TMP/err"; }
for t in a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4 b5; do
	expect "$T_TMP/out" "^$t OK " "$t answered OK"
done
expect "$T_TMP/out" '^\* 2 FETCH .*\\Seen' "a5 set \\Seen"
[ -s "$TRACE" ] || { fail "strace wrote nothing"; exit 1; }

# A rename in cur/ is traced with paths, or (renameat between open directories) as
# <$M/cur>, "name": the patterns take both.
# in_order TAG PREV DESCRIPTION ERE...: between the tagged replies of PREV and TAG, lines
# matching each ERE come in the order given.
in_order() {
	local tag=$1 prev=$2 what=$3 from to ere n
	shift 3
	from=$(reply_line "$prev")
	to=$(reply_line "$tag")
	if [ -z "$from" ] || [ -z "$to" ]; then fail "$what: no tagged reply to $prev or $tag in the trace"; return; fi
	for ere in "$@"; do
		# The pattern goes through the environment: awk -v would take its backslashes.
		n=$(RE=$ere awk -v a="$from" -v b="$to" 'NR > a && NR < b && $0 ~ ENVIRON["RE"] { print NR; exit }' "$TRACE")
		if [ -z "$n" ]; then
			fail "$what: no /$ere/ after line $from and before $tag's OK (line $to)"
			sed -n "$((from + 1)),$((to))p" "$TRACE" | grep -vE 'read\(|\+\+\+' | sed 's/^/    > /' | head -n 60
			return
		fi
		from=$n
	done
	pass "$what"
}

# The greeting is written first; `* PREAUTH` is the "reply" before a1.
reply_line() {
	if [ "$1" = START ]; then grep -nE 'write[v]?\(1<[^>]*>, "\* PREAUTH' "$TRACE" | head -n1 | cut -d: -f1; return; fi
	grep -nE "write[v]?\\(1<[^>]*>, .*(\"|\\\\n)$1 OK " "$TRACE" | head -n1 | cut -d: -f1
}

Q='[^<>]*' # the rest of a path inside strace's <...>
in_order a1 START "APPEND: message fsync, link, cur/ fsync, uidlist lock written and fsynced, renamed, folder fsynced, then OK [APPENDUID]" \
	"fsync\\([0-9]+<$M/tmp/$Q>\\)" \
	"link(at)?\\(.*\"$M/tmp/$Q\".*\"$M/cur/$Q\"" \
	"fsync\\([0-9]+<$M/cur>\\)" \
	"openat\\(.*\"$M/dovecot-uidlist.lock\".*O_EXCL" \
	"write\\([0-9]+<$M/dovecot-uidlist.lock>, \"3 V" \
	"fsync\\([0-9]+<$M/dovecot-uidlist.lock>\\)" \
	"rename(at2?)?\\(.*\"$M/dovecot-uidlist.lock\".*\"$M/dovecot-uidlist\"" \
	"fsync\\([0-9]+<$M>\\)"
expect "$T_TMP/out" '^a1 OK \[APPENDUID ' "APPEND answered with APPENDUID"
# The message is written in large chunks, not a write(2) per line (issue 8: a 10 MB
# APPEND made 130,586 of them): its three lines go to tmp/ in one write.
from=$(reply_line START); to=$(reply_line a1)
n=$(awk -v a="$from" -v b="$to" -v m="$M/tmp/" 'NR > a && NR < b && index($0, "write(") && index($0, "<" m) && !index($0, "dovecot-") && !index($0, "imapd.") { n++ } END { print n + 0 }' "$TRACE")
expect_eq "$n" 1 "APPEND wrote its three-line message to tmp/ with one write(2)"

in_order a3 a2 "STORE +FLAGS (newkw): dovecot-keywords written, fsynced, renamed, folder fsynced; message renamed, cur/ fsynced; then OK" \
	"write\\([0-9]+<$M/tmp/$Q\\.dovecot-keywords>, \"0 newkw" \
	"fsync\\([0-9]+<$M/tmp/$Q\\.dovecot-keywords>\\)" \
	"rename(at2?)?\\(.*\"$M/tmp/$Q\\.dovecot-keywords\".*\"$M/dovecot-keywords\"" \
	"fsync\\([0-9]+<$M>\\)" \
	"rename(at2?)?\\(.*(\"$M/cur/|<$M/cur>, \")$Q\".*(\"$M/cur/|<$M/cur>, \")$Q:2,a\"" \
	"fsync\\([0-9]+<$M/cur>\\)"

in_order a4 a3 "SUBSCRIBE: subscriptions written and fsynced through its lock, renamed, root fsynced, then OK" \
	"write\\([0-9]+<$M/subscriptions.lock>, \"V" \
	"fsync\\([0-9]+<$M/subscriptions.lock>\\)" \
	"rename(at2?)?\\(.*\"$M/subscriptions.lock\".*\"$M/subscriptions\"" \
	"fsync\\([0-9]+<$M>\\)"

in_order a5 a4 "FETCH BODY[] setting \\Seen: the rename is followed by an fsync of cur/ before OK" \
	"rename(at2?)?\\(.*(\"$M/cur/|<$M/cur>, \")$Q\".*(\"$M/cur/|<$M/cur>, \")$Q:2,S\"" \
	"fsync\\([0-9]+<$M/cur>\\)"

in_order a7 a6 "EXPUNGE: unlink, then cur/ fsynced, then OK" \
	"unlink(at)?\\(.*\"$M/cur/$Q\"" \
	"fsync\\([0-9]+<$M/cur>\\)"

in_order a9 a8 "CLOSE with a \\Deleted message: unlink, then cur/ fsynced, then OK" \
	"unlink(at)?\\(.*\"$M/cur/$Q\"" \
	"fsync\\([0-9]+<$M/cur>\\)"

F=$M/.Fresh
in_order b1 a9 "CREATE: the new folder and the root fsynced before OK" \
	"fsync\\([0-9]+<$F>\\)" \
	"fsync\\([0-9]+<$M>\\)"
in_order b5 b4 "DELETE: the folder renamed into the root's tmp/, the root fsynced, then removed, then OK" \
	"rename(at2?)?\\(.*\"$F\".*\"$M/tmp/deleted\\.$Q\"" \
	"fsync\\([0-9]+<$M>\\)" \
	"unlink(at)?\\(.*"
[ -e "$F" ] && fail "DELETE left .Fresh" || pass "DELETE removed .Fresh"
[ -z "$(ls "$M/tmp")" ] && pass "nothing left in tmp/" || fail "left in tmp/: $(ls "$M/tmp")"
in_order b1 a9 "CREATE of a new folder: dovecot-uidvalidity written, fsynced, renamed, root fsynced; then the folder's uidlist durably; then OK" \
	"write\\([0-9]+<$M/tmp/$Q\\.dovecot-uidvalidity>, " \
	"fsync\\([0-9]+<$M/tmp/$Q\\.dovecot-uidvalidity>\\)" \
	"rename(at2?)?\\(.*\"$M/tmp/$Q\\.dovecot-uidvalidity\".*\"$M/dovecot-uidvalidity\"" \
	"fsync\\([0-9]+<$M>\\)" \
	"write\\([0-9]+<$F/dovecot-uidlist.lock>, \"3 V" \
	"fsync\\([0-9]+<$F/dovecot-uidlist.lock>\\)" \
	"rename(at2?)?\\(.*\"$F/dovecot-uidlist.lock\".*\"$F/dovecot-uidlist\"" \
	"fsync\\([0-9]+<$F>\\)"

T=$M/.Target
in_order b4 b3 "MOVE: the target's cur/ and the source's cur/ fsynced, the target's uidlist durable, all before COPYUID and OK" \
	"fsync\\([0-9]+<$T/cur>\\)" \
	"fsync\\([0-9]+<$M/cur>\\)" \
	"rename(at2?)?\\(.*\"$T/dovecot-uidlist.lock\".*\"$T/dovecot-uidlist\"" \
	"fsync\\([0-9]+<$T>\\)"
expect "$T_TMP/out" '^\* OK \[COPYUID ' "MOVE sent COPYUID (its write is the one checked above, with the tagged OK)"
