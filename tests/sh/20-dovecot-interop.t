#!/usr/bin/env bash
# Dovecot interoperability (issue 3; DESIGN.md §3 "Maildir on disk"): a Maildir written
# through imapd is served by Debian's real Dovecot (/usr/lib/dovecot/imap in PREAUTH mode
# over a pipe) with the same UIDVALIDITY, UIDs, flags, keywords, bodies, folders and
# subscriptions, and the reverse; then imapd changes a Dovecot-made Maildir and Dovecot
# agrees again.  RFC 3501 2.3.1.1: a UID, together with UIDVALIDITY, names one message
# for ever: switching servers must not change either, or clients re-download (or lose) mail.
#
# Both servers run as `nobody` through tests/bin/imappipe, which also makes a canonical
# dump of a whole tree (LIST/LSUB names, EXAMINE's UIDVALIDITY/UIDNEXT/EXISTS, and
# FETCH 1:* (UID FLAGS BODY.PEEK[]) per folder) so two servers' views can be diffed.
# What legitimately differs is left out of the dump: response texts, LIST attributes
# (\HasChildren and the like), and \Recent, which RFC 3501 2.3.2 makes per-session
# (Dovecot reports APPENDed messages as \Recent, imapd does not have to).
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/lib/dovecot/imap ] || skip_all "Debian's dovecot-imapd is not installed"
getent passwd nobody > /dev/null || skip_all "no user nobody"
NOGROUP=$(id -gn nobody)

DVHOME=$T_TMP/dvhome
mkdir -p "$DVHOME"
M=$T_TMP/msgs
mkdir -p "$M"
# Messages as a client would append them; the server must give back exactly these bytes
# (with CRLF line ends: RFC 3501 2.2, DESIGN.md §3 "served with CRLF").
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'From: Tester <t@example.org>\nTo: u@example.org\nSubject: message %s\nMessage-ID: <m%s@example.org>\n\nThis is message %s.\nSecond line of %s.\n' \
		"$i" "$i" "$i" "$i" > "$M/m$i"
done
# sha1 of message N as served (LF -> CRLF), as imappipe --dump prints it
sha() { sed 's/$/\r/' "$M/m$1" | sha1sum | cut -d' ' -f1; }
size() { sed 's/$/\r/' "$M/m$1" | wc -c; }

# new_maildir NAME: an empty Maildir $T_TMP/NAME/Maildir owned by nobody, plus a
# dovecot.conf for it; sets MD, DVCONF
new_maildir() {
	MD=$T_TMP/$1/Maildir
	DVCONF=$T_TMP/$1/dovecot.conf
	mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
	printf 'mail_location = maildir:%s\nlog_path = /dev/stderr\nssl = no\n' "$MD" > "$DVCONF"
	chown -R "nobody:$NOGROUP" "$T_TMP/$1" "$DVHOME" "$M"
}
imapd_cmd() { printf "su nobody -s /bin/sh -c '%s serve %s'" "$IMAPD" "$MD"; }
dovecot_cmd() { printf "su nobody -s /bin/sh -c 'USER=nobody HOME=%s /usr/lib/dovecot/imap -c %s'" "$DVHOME" "$DVCONF"; }

# talk CMD LINE...: a dialogue through imappipe; transcript in $OUT, status in $RC
N=0
talk() {
	OUT=$T_TMP/out.$((++N))
	timeout 30 "$BIN/imappipe" "$@" > "$OUT" 2> "$OUT.err"
	RC=$?
}
# dump CMD NAME: the canonical dump in $T_TMP/NAME.dump (status in $RC)
dump() {
	timeout 30 "$BIN/imappipe" --dump "$1" > "$T_TMP/$2.dump" 2> "$T_TMP/$2.err"
	RC=$?
	DUMP=$T_TMP/$2.dump
}
# same_dump A B DESCRIPTION: the two dumps are identical (shows the diff if not)
same_dump() {
	if diff -u "$T_TMP/$1.dump" "$T_TMP/$2.dump" > "$T_TMP/$1-$2.diff"; then
		pass "$3"
	else
		fail "$3"; show "$T_TMP/$1-$2.diff"
	fi
}
# uidvalidity FILE FOLDER: the UIDVALIDITY a server announced, from an imappipe transcript
# (`> tag SELECT FOLDER` then `* OK [UIDVALIDITY n]`)
uidvalidity() {
	awk -v f="$2" '$1 == ">" && $3 == "SELECT" { cur = $4 } cur == f && /^\* OK \[UIDVALIDITY / { gsub(/[^0-9]/, "", $4); print $4; exit }' "$1"
}
# msgline FOLDER UID FLAGS N: the dump line for message N (file m$N) with that UID and flags
msgline() { printf 'msg %s %s flags=%s size=%s sha1=%s' "$1" "$2" "$3" "$(size "$4")" "$(sha "$4")"; }
# has DUMP LINE DESCRIPTION: the dump has exactly this line
has() {
	if grep -Fxq -- "$2" "$1"; then pass "$3"; else fail "$3 (no line '$2' in $(basename "$1"))"; fi
}

# The same operations for both directions (RFC 3501 6.3.11 APPEND with flags and
# keywords, 6.3.3 CREATE, 6.3.6 SUBSCRIBE, 6.4.6 STORE, 6.4.3 EXPUNGE).  Folder names
# include modified UTF-7 ("Entwürfe", RFC 3501 5.1.3) and a space, and "My Folder.Sub"
# is created without its parent, which both servers must list as \Noselect (the dump
# EXAMINEs every folder not marked \Noselect, so a disagreement shows up as a diff).
POPULATE=(
	'a01 APPEND INBOX (\Seen $Junk foo) <'"$M/m1"
	'a02 APPEND INBOX (\Flagged) <'"$M/m2"
	'a03 APPEND INBOX () <'"$M/m3"
	'a04 APPEND INBOX (\Seen \Flagged foo) <'"$M/m4"
	'a05 APPEND INBOX ($Junk) <'"$M/m5"
	'a06 CREATE A'
	'a07 CREATE A.B'
	'a08 APPEND A (\Seen) <'"$M/m6"
	'a09 APPEND A.B (bar \Draft) <'"$M/m7"
	'a10 APPEND A.B () <'"$M/m8"
	'a11 SUBSCRIBE INBOX'
	'a12 SUBSCRIBE A.B'
	'a12a CREATE "Entw&APw-rfe"'
	'a12b SUBSCRIBE "Entw&APw-rfe"'
	'a12c CREATE "My Folder.Sub"'
	'a12d APPEND "My Folder.Sub" (\Seen) <'"$M/m3"
	'a13 SELECT INBOX'
	'a14 STORE 2 +FLAGS (\Seen $Junk)'
	'a15 STORE 3 +FLAGS (\Deleted)'
	'a16 STORE 5 -FLAGS ($Junk)'
	'a17 STORE 5 +FLAGS (foo \Answered)'
	'a18 STORE 4 -FLAGS (foo)'
	'a19 EXPUNGE'
	'a20 FETCH 1:* (UID FLAGS)'
	'a21 SELECT A'
	'a22 SELECT A.B'
	'a23 STORE 2 +FLAGS (\Seen baz)'
	'a24 LOGOUT'
)
# What any server must show after POPULATE (UIDs 1..5 in INBOX, 3 expunged).
expect_populated() {	# DUMP WHO UV_INBOX UV_A UV_AB
	local d=$1 w=$2
	has "$d" "list INBOX" "$w: LIST shows INBOX"
	has "$d" "list A" "$w: LIST shows A"
	has "$d" "list A.B" "$w: LIST shows A.B"
	has "$d" "list Entw&APw-rfe" "$w: LIST shows Entw&APw-rfe (modified UTF-7 kept as is)"
	has "$d" "list My Folder" "$w: LIST shows the implied parent My Folder"
	has "$d" "list My Folder.Sub" "$w: LIST shows My Folder.Sub"
	expect_eq "$(grep -c '^list ' "$d")" 6 "$w: LIST shows exactly 6 folders"
	expect_not "$d" '^folder My Folder ' "$w: My Folder is \\Noselect (not EXAMINEd)"
	has "$d" "lsub INBOX" "$w: LSUB shows INBOX"
	has "$d" "lsub A.B" "$w: LSUB shows A.B (hierarchy separator '.', DESIGN.md §3)"
	has "$d" "lsub Entw&APw-rfe" "$w: LSUB shows Entw&APw-rfe"
	expect_eq "$(grep -c '^lsub ' "$d")" 3 "$w: LSUB shows exactly 3 folders"
	has "$d" "folder INBOX uidvalidity=$3 uidnext=6 exists=4" "$w: INBOX UIDVALIDITY $3, UIDNEXT 6, 4 messages"
	has "$d" "folder A uidvalidity=$4 uidnext=2 exists=1" "$w: A UIDVALIDITY $4, UIDNEXT 2"
	has "$d" "folder A.B uidvalidity=$5 uidnext=3 exists=2" "$w: A.B UIDVALIDITY $5, UIDNEXT 3"
	has "$d" "$(msgline INBOX 1 '$Junk \Seen foo' 1)" "$w: INBOX UID 1: \\Seen \$Junk foo, body of m1"
	has "$d" "$(msgline INBOX 2 '$Junk \Flagged \Seen' 2)" "$w: INBOX UID 2: \\Flagged \\Seen \$Junk, body of m2"
	expect_not "$d" '^msg INBOX 3 ' "$w: INBOX UID 3 expunged"
	has "$d" "$(msgline INBOX 4 '\Flagged \Seen' 4)" "$w: INBOX UID 4: \\Flagged \\Seen (foo removed), body of m4"
	has "$d" "$(msgline INBOX 5 '\Answered foo' 5)" "$w: INBOX UID 5: \\Answered foo (\$Junk removed), body of m5"
	has "$d" "$(msgline A 1 '\Seen' 6)" "$w: A UID 1: \\Seen, body of m6"
	has "$d" "$(msgline A.B 1 '\Draft bar' 7)" "$w: A.B UID 1: \\Draft bar, body of m7"
	has "$d" "$(msgline A.B 2 '\Seen baz' 8)" "$w: A.B UID 2: \\Seen baz, body of m8"
	has "$d" "$(msgline 'My Folder.Sub' 1 '\Seen' 3)" "$w: My Folder.Sub UID 1: \\Seen, body of m3"
	expect_eq "$(grep -c '^msg ' "$d")" 8 "$w: 8 messages in all"
	expect_not "$d" '^bad ' "$w: no NO/BAD or unparsable response in the dump"
}

########################################################################
note "1. a Maildir populated through imapd, served by Dovecot"
new_maildir one
talk "$(imapd_cmd)" "${POPULATE[@]}"
note "imapd transcript:"; show "$OUT"
expect_eq "$RC" 0 "imapd: the whole dialogue ran, last command OK"
expect_not "$OUT" '^a[0-9]+ (NO|BAD)' "imapd: no command failed"
expect "$OUT" '^a05 OK \[APPENDUID [0-9]+ 5\]' "imapd: fifth APPEND got UID 5 (RFC 4315 APPENDUID)"
expect "$OUT" '^\* 3 EXPUNGE$' "imapd: EXPUNGE reported message 3"
expect "$OUT" '^\* 1 FETCH \(UID 1 FLAGS \(' "imapd: FETCH 1:* (UID FLAGS) answered"
UV_I=$(uidvalidity "$OUT" INBOX); UV_A=$(uidvalidity "$OUT" A); UV_AB=$(uidvalidity "$OUT" A.B)
note "imapd UIDVALIDITY: INBOX=$UV_I A=$UV_A A.B=$UV_AB"
[ -n "$UV_I" ] && [ -n "$UV_A" ] && [ -n "$UV_AB" ] && pass "imapd announced UIDVALIDITY for INBOX, A, A.B" \
	|| fail "imapd did not announce UIDVALIDITY for every folder"

dump "$(dovecot_cmd)" dovecot1
note "Dovecot's view:"; show "$DUMP"
expect_eq "$RC" 0 "Dovecot: dump completed"
expect_populated "$DUMP" Dovecot "$UV_I" "$UV_A" "$UV_AB"
dump "$(imapd_cmd)" imapd1
expect_eq "$RC" 0 "imapd: dump completed"
same_dump dovecot1 imapd1 "imapd and Dovecot give identical folders, subscriptions, UIDVALIDITY, UIDs, flags, keywords, bodies"

########################################################################
note "2. a Maildir populated through Dovecot, served by imapd"
new_maildir two
talk "$(dovecot_cmd)" "${POPULATE[@]}"
note "Dovecot transcript:"; show "$OUT"
expect_eq "$RC" 0 "Dovecot: the whole dialogue ran, last command OK"
expect_not "$OUT" '^a[0-9]+ (NO|BAD)' "Dovecot: no command failed"
UV_I=$(uidvalidity "$OUT" INBOX); UV_A=$(uidvalidity "$OUT" A); UV_AB=$(uidvalidity "$OUT" A.B)
note "Dovecot UIDVALIDITY: INBOX=$UV_I A=$UV_A A.B=$UV_AB"
[ -n "$UV_I" ] && [ -n "$UV_A" ] && [ -n "$UV_AB" ] && pass "Dovecot announced UIDVALIDITY for INBOX, A, A.B" \
	|| fail "Dovecot did not announce UIDVALIDITY for every folder"

dump "$(imapd_cmd)" imapd2
note "imapd's view:"; show "$DUMP"
expect_eq "$RC" 0 "imapd: dump completed"
expect_populated "$DUMP" imapd "$UV_I" "$UV_A" "$UV_AB"
dump "$(dovecot_cmd)" dovecot2
expect_eq "$RC" 0 "Dovecot: dump completed"
same_dump dovecot2 imapd2 "Dovecot and imapd give identical views of Dovecot's Maildir"

# imapd now changes Dovecot's Maildir: a new message, a new keyword, an expunge.
# RFC 3501 2.3.1.1: UIDs are strictly ascending and never reused, so the APPEND
# gets UIDNEXT as Dovecot left it (6) even though UID 3 is free.
talk "$(imapd_cmd)" \
	'b01 SELECT INBOX' \
	'b02 APPEND INBOX (\Seen newkw) <'"$M/m9" \
	'b03 NOOP' \
	'b04 UID STORE 1 +FLAGS (newkw)' \
	'b05 UID STORE 2 +FLAGS (\Deleted)' \
	'b06 EXPUNGE' \
	'b07 UID FETCH 1:* (UID FLAGS)' \
	'b08 LOGOUT'
note "imapd changes:"; show "$OUT"
expect_eq "$RC" 0 "imapd: changes made, last command OK"
expect "$OUT" "^b01 OK" "imapd: SELECT of Dovecot's INBOX"
expect "$OUT" '^\* OK \[UIDNEXT 6\]' "imapd: UIDNEXT 6, as Dovecot left it"
expect "$OUT" "^b02 OK \\[APPENDUID $UV_I 6\\]" "imapd: APPEND got UID 6 in UIDVALIDITY $UV_I (not a reused 3)"
expect "$OUT" '^b05 OK' "imapd: UID STORE \\Deleted on UID 2"
expect "$OUT" '^\* 2 EXPUNGE$' "imapd: UID 2 (message 2) expunged"

dump "$(dovecot_cmd)" dovecot3
note "Dovecot's view after imapd's changes:"; show "$DUMP"
expect_eq "$RC" 0 "Dovecot: dump completed"
has "$DUMP" "folder INBOX uidvalidity=$UV_I uidnext=7 exists=4" "Dovecot: INBOX UIDVALIDITY unchanged, UIDNEXT 7, 4 messages"
has "$DUMP" "$(msgline INBOX 1 '$Junk \Seen foo newkw' 1)" "Dovecot: UID 1 has imapd's new keyword newkw"
expect_not "$DUMP" '^msg INBOX 2 ' "Dovecot: UID 2 is gone"
has "$DUMP" "$(msgline INBOX 4 '\Flagged \Seen' 4)" "Dovecot: UID 4 unchanged"
has "$DUMP" "$(msgline INBOX 5 '\Answered foo' 5)" "Dovecot: UID 5 unchanged"
has "$DUMP" "$(msgline INBOX 6 '\Seen newkw' 9)" "Dovecot: imapd's APPEND is UID 6 with \\Seen newkw, body of m9"
expect_eq "$(grep -c '^msg INBOX ' "$DUMP")" 4 "Dovecot: exactly 4 INBOX messages"
expect_not "$DUMP" '^bad ' "Dovecot: no NO/BAD in the dump"
dump "$(imapd_cmd)" imapd3
same_dump dovecot3 imapd3 "after imapd's changes, Dovecot and imapd agree"

# And back once more: Dovecot appends after imapd; neither server reuses a UID.
talk "$(dovecot_cmd)" 'c01 APPEND INBOX (foo) <'"$M/m10" 'c02 LOGOUT'
show "$OUT"
expect "$OUT" "^c01 OK \\[APPENDUID $UV_I 7\\]" "Dovecot: its APPEND after imapd's gets UID 7"
talk "$(imapd_cmd)" 'd01 SELECT INBOX' 'd02 UID FETCH 7 (UID FLAGS)' 'd03 LOGOUT'
show "$OUT"
expect "$OUT" "^\\* OK \\[UIDVALIDITY $UV_I\\]" "imapd: UIDVALIDITY still $UV_I"
expect "$OUT" '^\* OK \[UIDNEXT 8\]' "imapd: UIDNEXT 8 after Dovecot's APPEND"
# \Recent too: no read-write imapd session has seen UID 7 yet (RFC 3501 2.3.2).
expect "$OUT" '^\* 5 FETCH \(UID 7 FLAGS \(\\Recent foo\)\)' "imapd: Dovecot's message is UID 7 with foo, and \\Recent"

########################################################################
note "3. MTA deliveries into new/, picked up alternately by Dovecot and imapd"
# Dovecot appends lines to dovecot-uidlist without rewriting the header, so its
# N<nextuid> can lag behind the last line; whoever comes next must still continue
# after the highest UID given (RFC 3501 2.3.1.1: strictly ascending, never reused).
new_maildir three
# deliver N: message m$N written to tmp/ then renamed into new/, as qmail-local does
deliver() {
	local f=17000000$1.M$1P$1.mta
	cp "$M/m$1" "$MD/tmp/$f" && chown "nobody:$NOGROUP" "$MD/tmp/$f" && mv "$MD/tmp/$f" "$MD/new/$f"
}
deliver 1; deliver 2
talk "$(dovecot_cmd)" 'e01 SELECT INBOX' 'e02 UID FETCH 1:* (UID)' 'e03 LOGOUT'
expect "$OUT" '^\* 2 FETCH \(UID 2\)' "Dovecot: deliveries 1, 2 are UIDs 1, 2"
UV=$(uidvalidity "$OUT" INBOX)
deliver 3
talk "$(imapd_cmd)" 'e11 SELECT INBOX' 'e12 UID FETCH 1:* (UID)' 'e13 LOGOUT'
show "$OUT"
expect "$OUT" "^\\* OK \\[UIDVALIDITY $UV\\]" "imapd: Dovecot's UIDVALIDITY $UV"
expect "$OUT" '^\* 3 FETCH \(UID 3\)' "imapd: delivery 3 is UID 3"
deliver 4
talk "$(dovecot_cmd)" 'e21 SELECT INBOX' 'e22 UID FETCH 1:* (UID)' 'e23 LOGOUT'
expect "$OUT" '^\* 4 FETCH \(UID 4\)' "Dovecot: delivery 4 is UID 4"
deliver 5
talk "$(imapd_cmd)" 'e31 SELECT INBOX' 'e32 UID FETCH 1:* (UID)' 'e33 LOGOUT'
expect "$OUT" '^\* 5 FETCH \(UID 5\)' "imapd: delivery 5 is UID 5"
dump "$(dovecot_cmd)" dovecot4
dump "$(imapd_cmd)" imapd4
show "$DUMP"
for i in 1 2 3 4 5; do
	has "$DUMP" "$(msgline INBOX $i '' $i)" "imapd: UID $i is delivery $i"
done
has "$DUMP" "folder INBOX uidvalidity=$UV uidnext=6 exists=5" "imapd: UIDNEXT 6, 5 messages"
same_dump dovecot4 imapd4 "Dovecot and imapd agree on the delivered messages"

# OBJECTID (RFC 8474 5.1): a message's GUID is its unique name, or the uidlist record's G
# field that a copy under a new name carries. imapd's COPY writes it as Dovecot does: each
# server's copies keep their source's GUID for the other (Dovecot's X-GUID, imapd's
# EMAILID, which is the GUID hashed into an objectid).
talk "$(imapd_cmd)" 'g01 CREATE Copies' 'g02 SELECT INBOX' 'g03 COPY 1 Copies' 'g04 COPY 1 INBOX' \
	'g05 FETCH 1 (EMAILID)' 'g06 FETCH 6 (EMAILID)' 'g07 LOGOUT'
E1=$(sed -n 's/^\* 1 FETCH (EMAILID (\([A-Za-z0-9_-]*\)))/\1/p' "$OUT")
expect "$OUT" "^\\* 6 FETCH \\(EMAILID \\($E1\\)\\)" "imapd: a COPY within INBOX keeps the EMAILID $E1"
talk "$(dovecot_cmd)" 'g11 SELECT INBOX' 'g12 FETCH 1 (X-GUID)' 'g13 FETCH 6 (X-GUID)' \
	'g14 COPY 2 INBOX' 'g15 SELECT Copies' 'g16 FETCH 1 (X-GUID)' 'g17 LOGOUT'
G1=$(sed -n 's/^\* 1 FETCH (X-GUID \([^ )]*\))/\1/p' "$OUT" | head -1)
[ "$G1" = "170000001.M1P1.mta" ] && pass "Dovecot: message 1's GUID is its name" || fail "Dovecot: GUID of message 1 is '$G1'"
expect "$OUT" "^\\* 6 FETCH \\(X-GUID $G1\\)" "Dovecot: imapd's copy in INBOX has the source's GUID"
[ "$(grep -c "^\\* 1 FETCH (X-GUID $G1)" "$OUT")" = 2 ] && pass "Dovecot: imapd's copy in Copies has the source's GUID" || fail "Dovecot: the copy in Copies has another GUID"
talk "$(imapd_cmd)" 'g21 SELECT INBOX' 'g22 FETCH 2 (EMAILID)' 'g23 FETCH 7 (EMAILID)' 'g24 LOGOUT'
E2=$(sed -n 's/^\* 2 FETCH (EMAILID (\([A-Za-z0-9_-]*\)))/\1/p' "$OUT")
expect "$OUT" "^\\* 7 FETCH \\(EMAILID \\($E2\\)\\)" "imapd: Dovecot's COPY keeps the EMAILID $E2"
