#!/usr/bin/env bash
# Issue 9, items 2 to 5, against Debian's Dovecot 2.3.19 (/usr/lib/dovecot/imap in PREAUTH
# mode over a pipe): the same commands on two fresh Maildirs, one served by each, must get
# the same responses, where the RFCs leave the choice to the server and imapd chose what
# Dovecot does. tests/bin/imapsame prints them so they can be diffed (status texts and
# UIDVALIDITY left out; `~{n}` printed as `{n}`: RFC 3516 4.3 says a BINARY without NUL
# SHOULD be a string, which imapd does and Dovecot does not).
# - bytes (RFC 3516 4.4 and 6): a literal8 with a binary part of NULs and a bare CR is
#   stored so that BINARY gives the bytes back and BODY and BODYSTRUCTURE show base64; a
#   {n} message with bare CRs, 8-bit and a line of 1,500 octets comes back as it went in,
#   and a bare LF as CRLF (DESIGN.md 3: stored with LF, served CRLF). Not compared: a CR
#   LF after a bare CR, which Dovecot gives back without the bare CR (imapd keeps it).
# - BINARY (RFC 3516 4.2, RFC 2045 6.7): quoted-printable decoded without trailing white
#   space and soft line breaks, its size, windows of it, and BINARY[] of whole messages.
#   Not compared: BINARY.SIZE of a quoted-printable part, where Dovecot's differs from the
#   size of its own BINARY (59 for the 64 bytes of part 1 here), which RFC 3516 4.3 says
#   MUST match; imapd's is checked against its BINARY below.
# - ENVELOPE (RFC 3501 7.4.2): an addr-spec without a display name is named by its last
#   comment.
# - SEARCH FROM/TO/CC/BCC (RFC 3501 6.4.4): addresses match as parsed, comments out.
# - WITHIN (RFC 5032 2): OLDER and YOUNGER against INTERNALDATEs set by APPEND, hours
#   apart around the boundaries, alone, combined, as SORT criteria, and bad intervals.
# - CONDSTORE (RFC 7162 3.1): SELECT/EXAMINE (CONDSTORE) and HIGHESTMODSEQ, FETCH MODSEQ and
#   CHANGEDSINCE, STORE with MODSEQ in its FETCHes (also .SILENT) and UNCHANGEDSINCE with
#   [MODIFIED], SEARCH/ESEARCH/SORT MODSEQ, STATUS HIGHESTMODSEQ. The values of MODSEQs are
#   each server's own: every number after MODSEQ is printed `n`, so the shapes are
#   compared. Not compared: a second ENABLE CONDSTORE, which Dovecot lists again (RFC 5161 3.1:
#   SHOULD list only what it newly enabled), and ENABLE without a name, which Dovecot takes
#   (RFC 5161 4: one at least); both are in tests/condstore.rs.
# - CATENATE (RFC 4469 3, RFC 5092): literals and URLs of whole messages, sections (part,
#   MIME, HEADER, TEXT, HEADER.FIELDS) and partials, relative to the selected mailbox, mixed
#   with a plain message in a MULTIAPPEND; NO [BADURL] for another UIDVALIDITY (the URLs
#   carry none otherwise: it differs per server), a missing UID or mailbox. Not compared:
#   a URL of a part the message lacks, which Dovecot takes as empty and imapd answers with
#   BADURL (RFC 4469 4.1: "invalid body part"); an absolute URL or a bad section, which
#   both refuse but Dovecot without BADURL (4.1: "bad URL syntax"); an empty message, which
#   imapd refuses as for any APPEND (tests/catenate.rs).
# - ESORT (RFC 5267 3): SORT RETURN (MIN MAX COUNT ALL), MIN and MAX in sort order, ALL
#   in sort order with ranges only where it ascends, nothing found, and SAVE.
# - PARTIAL (RFC 5267 4.4, RFC 9394 3.1 and 3.2): positive ranges of SEARCH and SORT results,
#   past the end, reversed, with MIN, MAX and COUNT, with SAVE, and the bad ones. Not
#   compared: negative ranges and FETCH's PARTIAL, which Dovecot 2.3.19 (older than RFC
#   9394) refuses; tests/partial.rs has them.
# - SAVEDATE (RFC 8514 4.3): SAVEDON, SAVEDSINCE and SAVEDBEFORE against today and
#   tomorrow after APPENDs dated in 2000, a COPY and a flag change; SAVEDATESUPPORTED.
#   FETCH SAVEDATE is the clock's, so tests/savedate.rs checks it.
# - SORT=DISPLAY (RFC 5957): DISPLAYFROM and DISPLAYTO over names, bare addresses,
#   comments, groups, encoded words and missing fields, reversed and combined. Not
#   compared: names that sort by a non-ASCII letter, which Dovecot decomposes first
#   (i;unicode-casemap, RFC 5051) and imapd compares upper-cased, as for SUBJECT.
# - QRESYNC (RFC 7162 3.2): `* OK [CLOSED]` when a SELECT replaces a selected mailbox, also
#   before any ENABLE (3.2.11) and before the BAD of a QRESYNC parameter not enabled (3.2.5);
#   ENABLE QRESYNC; VANISHED instead of EXPUNGE from EXPUNGE, UID EXPUNGE and MOVE, with
#   HIGHESTMODSEQ in their OK (3.2.7, 3.2.9) and the UID in every untagged FETCH (3.2.4);
#   nothing from CLOSE (3.2.8); SELECT/EXAMINE (QRESYNC (...)) with and without known UIDs
#   and sequence match data, and a wrong UIDVALIDITY (3.2.5); UID FETCH (CHANGEDSINCE
#   VANISHED) and its BADs (3.2.6). The commands that name a server's UIDVALIDITY or
#   HIGHESTMODSEQ are printed with the names in their place. Not compared: a second ENABLE
#   naming QRESYNC (as for CONDSTORE), and a FETCH that sets \Seen, which Dovecot answers
#   with two FETCH responses and imapd with one; both are in tests/qresync.rs.
# What differs on purpose is in tests/stored_bytes.rs, binary.rs, addresses.rs and
# condstore.rs.
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/lib/dovecot/imap ] || skip_all "Debian's dovecot-imapd is not installed"
getent passwd nobody > /dev/null || skip_all "no user nobody"
NOGROUP=$(id -gn nobody)

S=$T_TMP/scenarios
mkdir -p "$S"
cat > "$S/bytes" <<'PY'
binary = (b"From: a@b\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
          b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
          b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
          b"ab\0c\rd\0\r\n--x--\r\n")
single = b"From: a@b\r\nSubject: one\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: binary\r\n\r\n\0\1\2\r\3\n\4"
text = (b"Subject: bytes\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncrlf line\r\nbare cr\rinside\r\n"
        b"bare lf\nthen\r\n8-bit caf\xc3\xa9 \xff\r\n" + b"x" * 1500 + b"\r\n")
commands = [b"APPEND INBOX ~{%d}\r\n" % len(binary) + binary,
            b"APPEND INBOX ~{%d}\r\n" % len(single) + single,
            b"APPEND INBOX {%d}\r\n" % len(text) + text,
            b"SELECT INBOX"]
for item in [b"BODY.PEEK[1]", b"BINARY.SIZE[1]", b"BINARY.PEEK[1]", b"BODYSTRUCTURE",
             b"BINARY.SIZE[]", b"BINARY.PEEK[]", b"RFC822.SIZE", b"BODY.PEEK[]"]:
    commands.append(b"FETCH 1:3 " + item)
PY
cat > "$S/binary" <<'PY'
qp = (b"Subject: qp\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
      b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      b"The quick brown fox =\r\njumps over   \r\nthe lazy =3D dog=20 \t\r\nsoft =  \r\nbreak\r\nend\r\n"
      b"--x\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--x--\r\n")
single = b"Subject: q\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nok  \r\n"
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m for m in (qp, single)] + [b"SELECT INBOX"]
for item in [b"BINARY.PEEK[1]", b"BINARY.PEEK[1]<0.10>",
             b"BINARY.PEEK[1]<10.10>", b"BINARY.PEEK[1]<15.10>", b"BINARY.PEEK[1]<40.25>",
             b"(BINARY.SIZE[] BINARY.PEEK[])", b"BINARY.PEEK[]<40.30>"]:
    commands.append(b"FETCH 1:2 " + item)
commands += [b"FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2])", b"FETCH 1:2 BINARY.SIZE[]"]
# Checked against its BINARY only (see above).
commands.append(b"FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])")
PY
cat > "$S/addresses" <<'PY'
froms = [b"user@domain (Real Name)", b"(Real Name) user@domain", b"user@domain (First) (Second)",
         b"Name <user@domain> (comment)", b"<user@domain> (comment)", b"user(c1)@domain(c2)",
         b"user@domain (nested (inner) name)", b"user@domain (quoted \\) pair)",
         b"<user-from (comment)@ (comment) domain.org>", b"a@b (A), c@d (C)", b"user@domain ()",
         b"user@domain (multi\r\n line)", b"Group: x@y (X);"]
msgs = [b"From: %s\r\nTo: %s\r\nCc: %s\r\nBcc: %s\r\nSubject: %d\r\n\r\nbody\r\n" % (f, f, f, f, i)
        for i, f in enumerate(froms)]
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m for m in msgs] + [b"SELECT INBOX",
            b"FETCH 1:* ENVELOPE"]
for key in [b"FROM user-from@domain.org", b"TO user-from@domain.org", b"CC user-from@domain.org",
            b"BCC user-from@domain.org", b"FROM user@domain", b"TO c@d", b"FROM x@y",
            b"FROM nobody@domain"]:
    commands.append(b"SEARCH " + key)
PY
cat > "$S/within" <<'PY'
import os, time
# One moment for both servers' runs (WITHIN_NOW), so that their APPENDs are the same bytes.
def date(ago):
    return time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(int(os.environ["WITHIN_NOW"]) - ago)).encode()
ages = [100 * 86400, 2 * 86400, 3600, 600]
msgs = [b"From: a@b\r\nSubject: %d\r\n\r\nbody\r\n" % i for i in range(len(ages))]
commands = [b'APPEND INBOX %s"%s" {%d}\r\n' % (b"(\\Seen) " if i % 2 == 0 else b"", date(a), len(m)) + m
            for i, (a, m) in enumerate(zip(ages, msgs))] + [b"SELECT INBOX"]
for key in [b"UNSEEN YOUNGER 259200", b"OLDER 86400", b"YOUNGER 86400", b"OLDER 1800",
            b"YOUNGER 1800", b"YOUNGER 60", b"NOT OLDER 200000", b"OR OLDER 8000000 YOUNGER 1200",
            b"OLDER 0", b"YOUNGER -5"]:
    commands.append(b"SEARCH " + key)
commands += [b"UID SEARCH RETURN (COUNT MIN) OLDER 3000",
             b"SORT (REVERSE ARRIVAL) UTF-8 YOUNGER 259200"]
PY
cat > "$S/condstore" <<'PY'
msgs = [b"From: a@b\r\nSubject: %d\r\n\r\nbody\r\n" % i for i in range(4)]
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m for m in msgs] + [
    b"ENABLE CONDSTORE X-UNKNOWN", b"SELECT INBOX (CONDSTORE)", b"EXAMINE INBOX", b"SELECT INBOX",
    b"FETCH 1:* (FLAGS MODSEQ)", b"STORE 1 +FLAGS (\\Flagged)",
    b"STORE 2 +FLAGS.SILENT (\\Seen)", b"UID STORE 3 +FLAGS (\\Deleted)",
    b"UID STORE 4 +FLAGS.SILENT (\\Answered)",
    b"STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($MDNSent)",
    b"UID STORE 1:2 (UNCHANGEDSINCE 0) -FLAGS (\\Seen)",
    b"STORE 4 (UNCHANGEDSINCE 9000000000000000000) FLAGS ()",
    b"FETCH 1:* (UID) (CHANGEDSINCE 1)", b"UID FETCH 1:* FLAGS (CHANGEDSINCE 1)",
    b"UID FETCH 1:* FLAGS (CHANGEDSINCE 9000000000000000000)",
    b"SEARCH MODSEQ 1", b"UID SEARCH MODSEQ \"/flags/\\\\seen\" all 1", b"SEARCH SEEN MODSEQ 1",
    b"SEARCH RETURN (ALL) MODSEQ 1", b"SEARCH RETURN (MIN MAX) MODSEQ 1",
    b"SEARCH RETURN (COUNT) MODSEQ 9000000000000000000", b"SEARCH MODSEQ 9000000000000000000",
    b"SORT (SUBJECT) UTF-8 MODSEQ 1", b"UNSELECT", b"STATUS INBOX (MESSAGES HIGHESTMODSEQ)",
    b"SELECT INBOX", b"FETCH 1 (MODSEQ) (CHANGEDSINCE x)",
    b"STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)", b"SEARCH MODSEQ x",
]
PY
cat > "$S/catenate" <<'PY'
m = (b"From: a@b\r\nSubject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
     b"--x\r\nContent-Type: text/plain\r\n\r\npart one\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n"
     b"Subject: inner\r\n\r\ninner body\r\n--x--\r\n")
s = b"Subject: single\r\n\r\nbare\r\nlines\r\n"
t = b"Subject: cat\r\n\r\n"
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m, b"APPEND INBOX {%d}\r\n" % len(s) + s,
            b"CREATE Drafts", b"SELECT INBOX"]
for u in [b"/INBOX/;UID=1", b"/INBOX/;UID=1/;SECTION=1", b"/INBOX/;UID=1/;SECTION=1.MIME",
          b"/INBOX/;UID=1/;SECTION=2.HEADER", b"/INBOX/;UID=1/;SECTION=2.TEXT", b"/INBOX/;UID=1/;section=TEXT",
          b"/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(Subject)", b"/INBOX/;UID=2/;PARTIAL=3.10",
          b"/INBOX/;UID=1/;SECTION=1/;PARTIAL=2", b";UID=2", b"/inbox/;UID=2"]:
    commands.append(b"APPEND Drafts CATENATE (TEXT {%d}\r\n" % len(t) + t + b" URL \"" + u + b"\")")
for u in [b"/INBOX;UIDVALIDITY=1/;UID=1", b"/INBOX/;UID=9", b"/Nowhere/;UID=1"]:
    commands.append(b"APPEND Drafts CATENATE (TEXT {5}\r\nabcde URL \"" + u + b"\")")
commands += [b"APPEND Drafts {3}\r\nx\r\n CATENATE (TEXT {0}\r\n URL \"/INBOX/;UID=2\" TEXT {0}\r\n)",
             b"UNSELECT", b"EXAMINE Drafts", b"FETCH 1:* BODY.PEEK[]"]
PY
cat > "$S/esort" <<'PY'
msgs = [b"From: a@b\r\nSubject: %s\r\nDate: %d Jan 2024 10:00:00 +0000\r\n\r\nbody %s\r\n" % (s, d, b"x" * n)
        for s, d, n in [(b"c", 5, 30), (b"a", 3, 3), (b"b", 9, 40), (b"d", 1, 1), (b"e", 2, 7), (b"f", 4, 22)]]
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m for m in msgs] + [b"SELECT INBOX"]
for r in [b"(MIN MAX COUNT ALL) (SUBJECT)", b"(MIN MAX) (REVERSE SUBJECT)", b"() (DATE)", b"() (REVERSE DATE)",
          b"(ALL) (REVERSE ARRIVAL)", b"(COUNT) (SIZE)", b"(ALL) (SIZE)", b"(MIN) (REVERSE SIZE)"]:
    for uid in [b"", b"UID "]:
        commands.append(uid + b"SORT RETURN " + r + b" UTF-8 ALL")
commands += [b"UID SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 SUBJECT zzz",
             b"SORT RETURN (ALL) (SUBJECT) UTF-8 NOT SUBJECT a",
             b"SORT RETURN (SAVE) (SUBJECT) UTF-8 NOT SUBJECT a", b"SEARCH $",
             b"SORT RETURN (FIRST) (SUBJECT) UTF-8 ALL"]
PY
cat > "$S/partial" <<'PY'
msgs = [b"From: a@b\r\nSubject: %c\r\n\r\nbody\r\n" % (ord("j") - i) for i in range(10)]
commands = [b"APPEND INBOX %s{%d}\r\n" % (b"(\\Seen) " if i % 3 == 2 else b"", len(m)) + m
            for i, m in enumerate(msgs)] + [b"SELECT INBOX"]
for r in [b"PARTIAL 1:3", b"PARTIAL 6:100", b"PARTIAL 8:9", b"PARTIAL 5:2", b"MIN MAX COUNT PARTIAL 2:2",
          b"PARTIAL 0:3", b"PARTIAL 1:*", b"PARTIAL 1:3 ALL"]:
    for uid in [b"", b"UID "]:
        commands.append(uid + b"SEARCH RETURN (" + r + b") UNSEEN")
        commands.append(uid + b"SORT RETURN (" + r + b") (SUBJECT) UTF-8 UNSEEN")
for r in [b"SAVE PARTIAL 2:3", b"SAVE PARTIAL 3:4 MIN", b"SAVE PARTIAL 5:5 MIN MAX", b"SAVE PARTIAL 1:1 COUNT"]:
    commands += [b"SEARCH RETURN (" + r + b") ALL", b"SEARCH $"]
PY
cat > "$S/savedate" <<'PY'
import time
today = time.strftime("%d-%b-%Y").encode()
tomorrow = time.strftime("%d-%b-%Y", time.localtime(time.time() + 86400)).encode()
msgs = [b"From: a@b\r\nSubject: %d\r\n\r\nbody\r\n" % i for i in range(3)]
commands = [b'APPEND INBOX "01-Jan-2000 00:00:00 +0000" {%d}\r\n' % len(m) + m for m in msgs] + [b"CREATE Trash", b"SELECT INBOX"]
commands += [b"COPY 2 Trash", b"STORE 1 +FLAGS (\\Seen)"]
for key in [b"SAVEDATESUPPORTED", b"NOT SAVEDATESUPPORTED", b"SAVEDON " + today, b"SAVEDSINCE " + today,
            b"SAVEDBEFORE " + today, b"SAVEDBEFORE " + tomorrow, b"SAVEDSINCE " + tomorrow, b"SAVEDON 1-Jan-2000",
            b"ON 1-Jan-2000", b"SAVEDON", b"SEEN SAVEDON " + today]:
    commands.append(b"SEARCH " + key)
commands += [b"UNSELECT", b"SELECT Trash", b"SEARCH SAVEDON " + today, b"SEARCH SAVEDBEFORE " + today]
PY
cat > "$S/display" <<'PY'
froms = [b'"Zed Last" <a@x>', b"bob@example.org", b"=?UTF-8?Q?Emile?= <e@x>", b"(Carol C) carol@y", b"Alice <zz@x>",
         b'"" <empty@x>', b"undisclosed-recipients:;", None, b"alice <aa@x>", b"Group: m@x, n@y;", b"=?ISO-8859-1?Q?Andr=E9?= <andre@x>",
         b"dave@host (Dave D), other@x"]
tos = [b"bob@x", b"Zoe <z@x>", None, b"adam@x", b'"Mary" <m@x>', b"carl@x", b"x@y", b"Yann <y@y>", b"Bea <b@b>", b"a@a", b"Q <q@q>", b"(c) c@c"]
msgs = []
for i, (f, t) in enumerate(zip(froms, tos)):
    h = b"Subject: %d\r\n" % i
    if f: h += b"From: " + f + b"\r\n"
    if t: h += b"To: " + t + b"\r\n"
    msgs.append(h + b"\r\nbody\r\n")
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m for m in msgs] + [b"SELECT INBOX"]
for c in [b"(DISPLAYFROM)", b"(REVERSE DISPLAYFROM)", b"(DISPLAYTO)", b"(REVERSE DISPLAYTO)", b"(DISPLAYFROM SUBJECT)",
          b"(DISPLAYTO DISPLAYFROM)", b"(FROM)", b"(TO)"]:
    commands += [b"SORT " + c + b" UTF-8 ALL", b"UID SORT RETURN (ALL) " + c + b" UTF-8 ALL"]
PY
cat > "$S/qresync" <<'PY'
import re
msgs = [b"From: a@b\r\nSubject: %d\r\n\r\nbody\r\n" % i for i in range(6)]
def last(name, seen):
    return re.findall(rb"\[" + name + rb" (\d+)\]", seen)[-1]
mark = [b"0"]
def remember(seen):
    mark[0] = last(b"HIGHESTMODSEQ", seen)
    return b"NOOP"
def resync(extra=b""):
    return lambda seen: b"SELECT INBOX (QRESYNC (%s %s%s))" % (last(b"UIDVALIDITY", seen), mark[0], extra)
commands = [b"APPEND INBOX {%d}\r\n" % len(m) + m for m in msgs] + [
    b"CREATE Other", b"SELECT INBOX", b"SELECT INBOX (QRESYNC (1 1))",
    b"UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)", b"ENABLE QRESYNC", b"SELECT INBOX",
    ("NOOP (HIGHESTMODSEQ noted)", remember),
    b"STORE 1 +FLAGS (\\Flagged)", b"STORE 2 +FLAGS.SILENT (\\Deleted)", b"EXPUNGE",
    b"UID STORE 4 +FLAGS (\\Deleted)", b"UID EXPUNGE 3:4", b"UID MOVE 6 Other",
    b"STORE 2 +FLAGS (\\Deleted)", b"CLOSE",
    ("SELECT INBOX (QRESYNC (uidvalidity noted))", resync()),
    ("SELECT INBOX (QRESYNC (uidvalidity noted 1:5))", resync(b" 1:5")),
    ("SELECT INBOX (QRESYNC (uidvalidity noted 1:6 (1 1)))", resync(b" 1:6 (1 1)")),
    b"SELECT INBOX (QRESYNC (1 1))", b"EXAMINE INBOX (CONDSTORE QRESYNC (1 1 1:9))",
    ("UID FETCH 1:* (FLAGS) (CHANGEDSINCE noted VANISHED)",
     lambda seen: b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE %s VANISHED)" % mark[0]),
    b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", b"UID FETCH 1:3 FLAGS (VANISHED)",
    b"FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)", b"UNSELECT",
    b"SELECT INBOX (QRESYNC (1))", b"SELECT INBOX (QRESYNC (1 1 $))",
]
PY
chmod 644 "$S"/*
export WITHIN_NOW
WITHIN_NOW=$(date +%s)

# Each server's MODSEQ values are its own (see above).
shapes() { sed -E '/^> /!s/MODSEQ (\(?)[0-9]+/MODSEQ \1n/g' "$1"; }

for name in bytes binary addresses within esort partial savedate display condstore catenate qresync; do
	for server in imapd dovecot; do
		MD=$T_TMP/$name-$server/Maildir
		mkdir -p "$MD/cur" "$MD/new" "$MD/tmp" "$T_TMP/$name-$server/home"
		printf 'mail_location = maildir:%s\nlog_path = /dev/stderr\nssl = no\n' "$MD" > "$T_TMP/$name-$server/dovecot.conf"
		chown -R "nobody:$NOGROUP" "$T_TMP/$name-$server"
		if [ $server = imapd ]; then
			cmd="su nobody -s /bin/sh -c '$IMAPD serve $MD'"
		else
			cmd="su nobody -s /bin/sh -c 'USER=nobody HOME=$T_TMP/$name-$server/home /usr/lib/dovecot/imap -c $T_TMP/$name-$server/dovecot.conf'"
		fi
		timeout 60 "$PYTHON" "$BIN/imapsame" "$S/$name" "$cmd" > "$T_TMP/$name.$server" 2>&1
		rc=$?
		[ $rc = 0 ] || fail "$name: $server's run ended with status $rc"
	done
	# The last command of the binary scenario is not compared (see above).
	if diff -u <(shapes "$T_TMP/$name.dovecot" | sed '/BINARY.SIZE\[1\] BINARY.PEEK/,$d') \
		<(shapes "$T_TMP/$name.imapd" | sed '/BINARY.SIZE\[1\] BINARY.PEEK/,$d') > "$T_TMP/$name.diff"; then
		pass "$name: imapd answers as Dovecot 2.3.19 ($(grep -c '^> ' "$T_TMP/$name.imapd") commands)"
	else
		fail "$name: imapd and Dovecot 2.3.19 differ"
		show "$T_TMP/$name.diff"
	fi
done
# The answers are the right ones, not only the same: a few of them spelled out.
expect() { if shapes "$T_TMP/$1.imapd" | grep -Fxq -- "$2"; then pass "$3"; else fail "$3 (no line '$2')"; fi; }
expect bytes '* 1 FETCH (BINARY[1] {7}\x0d\x0aab\x00c\x0dd\x00)' "RFC 3516 4.3: BINARY[1] is the 7 bytes appended"
expect bytes '* 1 FETCH (BODY[1] {12}\x0d\x0aYWIAYw1kAA==)' "RFC 3516 6: BODY[1] is their base64"
expect binary '* 1 FETCH (BINARY.SIZE[1] 64 BINARY[1] {64}\x0d\x0aThe quick brown fox jumps over\x0d\x0athe lazy = dog \x0d\x0asoft break\x0d\x0aend)' "RFC 2045 6.7: decoded, and its size"
expect addresses '* 1 FETCH (ENVELOPE (NIL "0" (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) (("Real Name" NIL "user" "domain")) NIL NIL))' "ENVELOPE names user@domain (Real Name)"
expect addresses '* SEARCH 9' "RFC 3501 6.4.4: SEARCH FROM user-from@domain.org"
expect within '* SEARCH 2 4' "RFC 5032 4: SEARCH UNSEEN YOUNGER 259200"
expect within '* SEARCH 1 2 3' "RFC 5032 2: OLDER 1800 to the second within one day"
expect condstore 'OK [MODIFIED]' "RFC 7162 3.1.3: UNCHANGEDSINCE 0 fails"
expect condstore '* 2 FETCH (MODSEQ (n))' "RFC 7162 3.1.3: a .SILENT STORE still tells the MODSEQ"
expect condstore '* SEARCH 2 (MODSEQ n)' "RFC 7162 3.1.5: SEARCH MODSEQ ends with the highest found"
expect qresync '* VANISHED 4' "RFC 7162 3.2.9: UID EXPUNGE tells VANISHED"
expect qresync '* VANISHED (EARLIER) 2:4,6' "RFC 7162 3.2.5.1: the UIDs expunged since, MOVE and CLOSE's too"
expect qresync '* 1 FETCH (UID 1 FLAGS (\Flagged) MODSEQ (n))' "RFC 7162 3.2.5.1: the message changed since"
expect catenate '* 9 FETCH (BODY[] {22}\x0d\x0aSubject: cat\x0d\x0a\x0d\x0art one)' "RFC 4469 3: a literal, then ;SECTION=1/;PARTIAL=2"
expect catenate '* 13 FETCH (BODY[] {32}\x0d\x0aSubject: single\x0d\x0a\x0d\x0abare\x0d\x0alines\x0d\x0a)' "RFC 4469 3: a URL between empty literals, after a plain message"
expect esort '* ESEARCH (TAG "s7") MIN 2 MAX 6 ALL 2:3,1,4:6 COUNT 6' "RFC 5267 3.1: MIN, MAX and ALL in sort order"
expect esort '* ESEARCH (TAG "s13") ALL 3,1,6,2,5,4' "RFC 5267 3.2: no range where the order descends"
expect partial '* ESEARCH (TAG "s11") PARTIAL (1:3 1:2,4)' "RFC 9394 3.1: PARTIAL 1:3 of SEARCH"
expect savedate '* SEARCH 1 2 3' "RFC 8514 4.3: SAVEDATESUPPORTED, and APPENDs saved today"
expect display '* SORT 8 5 9 11 2 4 12 3 6 10 7 1' "RFC 5957 4: SORT (DISPLAYFROM)"
