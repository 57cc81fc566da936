#!/usr/bin/env bash
# Courier takeover (issue 3; DESIGN.md §3 "UIDs" and "subscriptions"): a Maildir that
# Courier-IMAP served has no dovecot-uidlist, only Courier's courierimapuiddb
# (`1 <uidvalidity> <nextuid>`, then `<uid> <filename without the :2, info>`) per folder
# and courierimapsubscribed (`INBOX.`-prefixed names) at the root.  imapd must take
# Courier's UIDs as they are: RFC 3501 2.3.1.1 says UIDVALIDITY plus UID name a
# message for ever, so a client that switched servers with the administrator keeps
# its cache.  UIDs with gaps (3, 7, 9) must stay as they are, and UIDNEXT must be
# Courier's nextuid, not one more than the highest UID.  Keywords come from Courier's
# courierimapkeywords/ (README "Mail on disk"): `:list`, overridden by a newer update file
# (`<unique name>`, or `.<n>.<unique name>` once merged), into dovecot-keywords and the
# file names' letters.  Once imapd wrote its dovecot-uidlist, real Dovecot must see the
# same.
. "$(dirname "$0")/lib.sh"

need_imapd
getent passwd nobody > /dev/null || skip_all "no user nobody"
NOGROUP=$(id -gn nobody)

MD=$T_TMP/courier/Maildir
DVHOME=$T_TMP/dvhome
DVCONF=$T_TMP/dovecot.conf
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp" "$DVHOME"
for f in Sent Trash; do
	mkdir -p "$MD/.$f/cur" "$MD/.$f/new" "$MD/.$f/tmp"
	: > "$MD/.$f/maildirfolder"
done
printf 'mail_location = maildir:%s\nlog_path = /dev/stderr\nssl = no\n' "$MD" > "$DVCONF"

# msg DIR BASE INFO N: message N (body below) as the file DIR/BASE:2,INFO, dated by N
msg() {
	local f=$1/$2:2,$3
	printf 'From: c@example.org\nSubject: courier %s\n\nBody of courier message %s.\n' "$4" "$4" > "$f"
	touch -d @$((1700000000 + $4)) "$f"
}
msg "$MD/cur" 1700000101.M1P100.courier S 1
msg "$MD/cur" 1700000102.M2P100.courier FS 2
msg "$MD/cur" 1700000103.M3P100.courier "" 3
msg "$MD/.Sent/cur" 1700000201.M1P200.courier S 4
msg "$MD/.Sent/cur" 1700000202.M2P200.courier RS 5
cat > "$MD/courierimapuiddb" <<'EOF'
1 1234567890 12
3 1700000101.M1P100.courier
7 1700000102.M2P100.courier
9 1700000103.M3P100.courier
EOF
cat > "$MD/.Sent/courierimapuiddb" <<'EOF'
1 1111111111 5
2 1700000201.M1P200.courier
4 1700000202.M2P200.courier
EOF
# Trash: Courier never saw its message (delivered after Courier stopped): it gets
# Courier's nextuid, 30, the first UID Courier itself would have given.
msg "$MD/.Trash/cur" 1700000307.M7P300.courier S 7
printf '1 2222222222 30\n' > "$MD/.Trash/courierimapuiddb"
printf 'INBOX.Sent\n' > "$MD/courierimapsubscribed"
# Courier's keywords: in :list UID 9 has $Junk and old, but a later change (the update
# file, not yet merged) left it $Junk and work; in Sent, UID 2's keyword is only in a
# merged update file (.<n>.<name>), :list being gone.
mkdir -p "$MD/courierimapkeywords" "$MD/.Sent/courierimapkeywords"
printf '$Junk\nold\n\n1700000103.M3P100.courier:0 1\n' > "$MD/courierimapkeywords/:list"
printf '$Junk\nwork\n' > "$MD/courierimapkeywords/1700000103.M3P100.courier"
printf 'sent-kw\n' > "$MD/.Sent/courierimapkeywords/.5987642.1700000201.M1P200.courier"
chown -R "nobody:$NOGROUP" "$T_TMP/courier" "$DVHOME"
note "the Courier Maildir:"; (cd "$MD" && find . -type f | sort) > "$T_TMP/files"; show "$T_TMP/files"

imapd_cmd() { printf "su nobody -s /bin/sh -c '%s serve %s'" "$IMAPD" "$MD"; }
dovecot_cmd() { printf "su nobody -s /bin/sh -c 'USER=nobody HOME=%s /usr/lib/dovecot/imap -c %s'" "$DVHOME" "$DVCONF"; }
N=0
talk() {
	OUT=$T_TMP/out.$((++N))
	timeout 30 "$BIN/imappipe" "$@" > "$OUT" 2> "$OUT.err"
	RC=$?
}
# sha N: SHA-1 of message N as served (CRLF line ends, DESIGN.md §3)
sha() { printf 'From: c@example.org\r\nSubject: courier %s\r\n\r\nBody of courier message %s.\r\n' "$1" "$1" | sha1sum | cut -d' ' -f1; }

note "first imapd session on the Courier Maildir"
talk "$(imapd_cmd)" \
	'a1 SELECT INBOX' \
	'a2 FETCH 1:* (UID FLAGS)' \
	'a3 LSUB "" *' \
	'a4 STATUS Sent (MESSAGES UIDNEXT UIDVALIDITY)' \
	'a5 SELECT Trash' \
	'a6 UID FETCH 1:* (UID FLAGS)' \
	'a9 LOGOUT'
show "$OUT"
expect_eq "$RC" 0 "dialogue completed, every command OK"
expect "$OUT" '^\* 3 EXISTS$' "INBOX: * 3 EXISTS"
expect "$OUT" '^\* OK \[UIDVALIDITY 1234567890\]' "INBOX: UIDVALIDITY 1234567890 from courierimapuiddb (RFC 3501 2.3.1.1)"
expect "$OUT" '^\* OK \[UIDNEXT 12\]' "INBOX: UIDNEXT 12 = Courier's nextuid (not 10)"
expect "$OUT" '^\* 1 FETCH \(UID 3 FLAGS \(\\Seen\)\)$' "INBOX message 1 is UID 3, \\Seen"
expect "$OUT" '^\* 2 FETCH \(UID 7 FLAGS \(\\Flagged \\Seen\)\)$' "INBOX message 2 is UID 7, \\Flagged \\Seen"
expect "$OUT" '^\* 3 FETCH \(UID 9 FLAGS \(\$Junk work\)\)$' "INBOX message 3 is UID 9, keywords \$Junk work (Courier's newest update)"
# courierimapsubscribed says INBOX.Sent; with Dovecot's namespace (prefix "", DESIGN.md §3)
# that is the folder Sent.
expect "$OUT" '^\* LSUB \([^)]*\) "\." "?Sent"?$' "LSUB shows Sent (from courierimapsubscribed)"
expect_eq "$(grep -c '^\* LSUB ' "$OUT")" 1 "LSUB shows only Sent"
expect "$OUT" '^\* STATUS "?Sent"? \(.*UIDVALIDITY 1111111111' "Sent: UIDVALIDITY 1111111111 from its courierimapuiddb"
expect "$OUT" '^\* STATUS "?Sent"? \(.*UIDNEXT 5' "Sent: UIDNEXT 5"
expect "$OUT" '^\* STATUS "?Sent"? \(.*MESSAGES 2' "Sent: 2 messages"
expect "$OUT" '^\* OK \[UIDVALIDITY 2222222222\]' "Trash: UIDVALIDITY 2222222222"
expect "$OUT" '^\* 1 FETCH \(UID 30 FLAGS \(\\Seen\)\)$' "Trash: a message Courier did not list gets UID 30 = Courier's nextuid"
expect "$OUT" '^\* OK \[UIDNEXT 31\]' "Trash: UIDNEXT 31 after it"

# DESIGN.md §3: the UIDs now live in dovecot-uidlist v3, with Courier's values
ul=$MD/dovecot-uidlist
if [ -f "$ul" ]; then
	show "$ul"
	hdr=$(head -n1 "$ul")
	[[ $hdr =~ ^3\ (.*\ )?V1234567890(\ |$) ]] && pass "dovecot-uidlist header has V1234567890" || fail "dovecot-uidlist header '$hdr'"
	[[ $hdr =~ \ N12(\ |$) ]] && pass "dovecot-uidlist header has N12" || fail "dovecot-uidlist header '$hdr' lacks N12"
	expect_eq "$(tail -n +2 "$ul" | awk '{print $1}' | tr '\n' ' ')" "3 7 9 " "dovecot-uidlist has UIDs 3 7 9"
	expect "$ul" '^7 (.* )?:1700000102\.M2P100\.courier' "UID 7 is 1700000102.M2P100.courier"
else
	fail "no dovecot-uidlist written after the takeover"
fi

note "a second session: the same UIDs (now from dovecot-uidlist), a new delivery gets UID 12"
# a delivery into new/ as qmail-local or maildrop would make it (DESIGN.md §3)
printf 'From: d@example.org\nSubject: courier 6\n\nBody of courier message 6.\n' > "$MD/tmp/1700000106.M6P106.mta"
chown nobody "$MD/tmp/1700000106.M6P106.mta"
mv "$MD/tmp/1700000106.M6P106.mta" "$MD/new/1700000106.M6P106.mta"
talk "$(imapd_cmd)" \
	'b1 SELECT INBOX' \
	'b2 FETCH 1:* (UID FLAGS)' \
	'b3 SELECT Sent' \
	'b4 FETCH 1:* (UID FLAGS)' \
	'b5 SUBSCRIBE Trash' \
	'b6 LSUB "" *' \
	'b7 LOGOUT'
show "$OUT"
expect_eq "$RC" 0 "dialogue completed, every command OK"
expect "$OUT" '^\* 4 EXISTS$' "INBOX: * 4 EXISTS with the delivery"
expect "$OUT" '^\* OK \[UIDVALIDITY 1234567890\]' "INBOX: UIDVALIDITY still 1234567890"
expect "$OUT" '^\* 1 FETCH \(UID 3 FLAGS \(\\Seen\)\)$' "INBOX: UID 3 unchanged"
expect "$OUT" '^\* 2 FETCH \(UID 7 FLAGS \(\\Flagged \\Seen\)\)$' "INBOX: UID 7 unchanged"
expect "$OUT" '^\* 3 FETCH \(UID 9 FLAGS \(\$Junk work\)\)$' "INBOX: UID 9 unchanged, keywords kept"
expect "$MD/dovecot-keywords" '^0 \$Junk$' "dovecot-keywords: \$Junk is letter a"
expect "$MD/dovecot-keywords" '^1 work$' "dovecot-keywords: work is letter b"
expect_not "$MD/dovecot-keywords" ' old$' "no slot for a keyword no message has any more"
[ -f "$MD/cur/1700000103.M3P100.courier:2,ab" ] && pass "the keywords are letters in the file name" \
	|| fail "file names: $(ls "$MD/cur" | tr '\n' ' ')"
expect "$OUT" '^\* 4 FETCH \(UID 12 FLAGS \((\\Recent)?\)\)$' "INBOX: the new delivery is UID 12 (Courier's nextuid)"
expect "$OUT" '^\* OK \[UIDVALIDITY 1111111111\]' "Sent: UIDVALIDITY 1111111111"
expect "$OUT" '^\* OK \[UIDNEXT 5\]' "Sent: UIDNEXT 5"
expect "$OUT" '^\* 1 FETCH \(UID 2 FLAGS \(\\Seen sent-kw\)\)$' "Sent: message 1 is UID 2, keyword sent-kw from a merged update file"
expect "$OUT" '^\* 2 FETCH \(UID 4 FLAGS \(\\Answered \\Seen\)\)$' "Sent: message 2 is UID 4, \\Answered \\Seen"
expect "$OUT" '^b5 OK' "SUBSCRIBE Trash"
expect "$OUT" '^\* LSUB \([^)]*\) "\." "?Sent"?$' "LSUB still shows Sent after a SUBSCRIBE (Courier's list carried over)"
expect "$OUT" '^\* LSUB \([^)]*\) "\." "?Trash"?$' "LSUB shows Trash"

# After the takeover, real Dovecot serves the same UIDs, and the subscriptions file
# imapd wrote (DESIGN.md §3, Dovecot's format) keeps Courier's Sent.
if [ -x /usr/lib/dovecot/imap ]; then
	note "Dovecot on the taken-over Maildir"
	timeout 30 "$BIN/imappipe" --dump "$(dovecot_cmd)" > "$T_TMP/dovecot.dump" 2> "$T_TMP/dovecot.err"
	expect_eq "$?" 0 "Dovecot: dump completed"
	timeout 30 "$BIN/imappipe" --dump "$(imapd_cmd)" > "$T_TMP/imapd.dump" 2> "$T_TMP/imapd.err"
	expect_eq "$?" 0 "imapd: dump completed"
	show "$T_TMP/dovecot.dump"
	D=$T_TMP/dovecot.dump
	expect "$D" '^folder INBOX uidvalidity=1234567890 uidnext=13 exists=4$' "Dovecot: INBOX UIDVALIDITY 1234567890, UIDNEXT 13"
	expect "$D" "^msg INBOX 3 flags=\\\\Seen size=[0-9]+ sha1=$(sha 1)\$" "Dovecot: UID 3 is Courier message 1, \\Seen"
	expect "$D" "^msg INBOX 7 flags=\\\\Flagged \\\\Seen size=[0-9]+ sha1=$(sha 2)\$" "Dovecot: UID 7 is Courier message 2"
	expect "$D" "^msg INBOX 9 flags=\\\$Junk work size=[0-9]+ sha1=$(sha 3)\$" "Dovecot: UID 9 is Courier message 3, with its keywords"
	expect "$D" '^msg INBOX 12 flags=' "Dovecot: UID 12 is the delivery"
	expect "$D" '^folder Sent uidvalidity=1111111111 uidnext=5 exists=2$' "Dovecot: Sent UIDVALIDITY 1111111111, UIDNEXT 5"
	expect "$D" "^msg Sent 4 flags=\\\\Answered \\\\Seen size=[0-9]+ sha1=$(sha 5)\$" "Dovecot: Sent UID 4 is Courier message 5"
	expect "$D" "^msg Trash 30 flags=\\\\Seen size=[0-9]+ sha1=$(sha 7)\$" "Dovecot: Trash UID 30 is message 7"
	expect "$D" '^lsub Sent$' "Dovecot: Sent subscribed"
	expect "$D" '^lsub Trash$' "Dovecot: Trash subscribed"
	expect_not "$D" '^bad ' "Dovecot: no NO/BAD in the dump"
	if diff -u "$T_TMP/dovecot.dump" "$T_TMP/imapd.dump" > "$T_TMP/dump.diff"; then
		pass "Dovecot and imapd give identical views of the taken-over Maildir"
	else
		fail "Dovecot and imapd differ on the taken-over Maildir"; show "$T_TMP/dump.diff"
	fi
else
	note "no /usr/lib/dovecot/imap: Dovecot cross-check skipped"
fi
