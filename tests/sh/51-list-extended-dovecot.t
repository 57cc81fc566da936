#!/usr/bin/env bash
# Issue 9 item 6, RFC 5258 3.3 rule 2 and 3.5: LIST (SUBSCRIBED RECURSIVEMATCH) on one
# Maildir, imapd against Debian's Dovecot 2.3.19 (/usr/lib/dovecot/imap in PREAUTH mode over
# a pipe, as tests/sh/20-dovecot-interop.t runs it).  The tree is RFC 5258 example 9's
# (separator `.` instead of `/`) plus the issue's f.p.c (subscribed; f and f.p are not) and
# example 8's Foo, Foo.Bar, Foo.Baz (Foo.Baz subscribed).  Where the RFC leaves room the two
# servers agree: example 9's "*" answer shows a CHILDINFO that 3.5 calls redundant, and both
# follow 3.5's SHOULD and leave it out.  Compared: the names, \Subscribed, \NonExistent and
# whether CHILDINFO ("SUBSCRIBED") comes; left out: \HasChildren / \HasNoChildren (RFC 5258 4
# lets a server send them unasked; imapd does, Dovecot does not), the order, and whether the
# CHILDINFO tag is quoted (an astring either way).
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/lib/dovecot/imap ] || skip_all "Debian's dovecot-imapd is not installed"
getent passwd nobody > /dev/null || skip_all "no user nobody"

D=$T_TMP/d
MD=$D/Maildir
mkdir -p "$D/home" "$MD/cur" "$MD/new" "$MD/tmp"
for f in foo2 foo2.bar1 foo2.bar2 baz2 baz2.bar2 baz2.bar22 baz2.bar222 eps2 eps2.mamba \
	qux2.bar2 f.p.c Foo Foo.Bar Foo.Baz; do
	mkdir -p "$MD/.$f/cur" "$MD/.$f/new" "$MD/.$f/tmp"
	: > "$MD/.$f/maildirfolder"
done
printf 'mail_location = maildir:%s\nlog_path = /dev/stderr\nssl = no\n' "$MD" > "$D/dovecot.conf"
chown -R nobody: "$D"
IMAPD_CMD="su nobody -s /bin/sh -c '$IMAPD serve $MD'"
DOVECOT_CMD="su nobody -s /bin/sh -c 'USER=nobody HOME=$D/home /usr/lib/dovecot/imap -c $D/dovecot.conf'"

# Subscribed through imapd (RFC 3501 6.3.6), read back by both.
timeout 30 "$BIN/imappipe" "$IMAPD_CMD" 's1 SUBSCRIBE foo2.bar1' 's2 SUBSCRIBE foo2.bar2' \
	's3 SUBSCRIBE baz2.bar2' 's4 SUBSCRIBE baz2.bar22' 's5 SUBSCRIBE baz2.bar222' \
	's6 SUBSCRIBE eps2' 's7 SUBSCRIBE eps2.mamba' 's8 SUBSCRIBE qux2.bar2' \
	's9 SUBSCRIBE f.p.c' 's10 SUBSCRIBE Foo.Baz' > "$T_TMP/sub.out" 2>&1
expect_eq "$?" 0 "subscriptions made"

# answers WHO CMD: the normalised LIST answers of server WHO (imapd or dovecot) to CMD
answers() {
	local cmd=$IMAPD_CMD
	[ "$1" = dovecot ] && cmd=$DOVECOT_CMD
	timeout 30 "$BIN/imappipe" "$cmd" "$2" 2> /dev/null | grep '^\* LIST ' | "$PYTHON" -c '
import re, sys
for line in sys.stdin:
    m = re.match(r"\* LIST \(([^)]*)\) \"\.\" (\S+)(.*)$", line.rstrip("\n"))
    if not m:
        print("unparsed", line.rstrip()); continue
    attrs = sorted(a for a in m.group(1).split() if a.lower() in ("\\subscribed", "\\nonexistent"))
    child = " CHILDINFO" if re.search(r"\(\"?CHILDINFO\"? \(\"SUBSCRIBED\"\)\)", m.group(3)) else ""
    print(m.group(2).strip("\""), " ".join(attrs) + child)
' | sort
}

# same CMD WANT DESCRIPTION: both servers answer CMD with exactly WANT (one name a line)
same() {
	answers imapd "$1" > "$T_TMP/imapd.txt"
	answers dovecot "$1" > "$T_TMP/dovecot.txt"
	printf '%s\n' "$2" | sort > "$T_TMP/want.txt"
	if diff -u "$T_TMP/dovecot.txt" "$T_TMP/imapd.txt" > "$T_TMP/diff.txt"; then
		pass "$3: imapd answers as Dovecot does"
	else
		fail "$3: imapd and Dovecot differ"; show "$T_TMP/diff.txt"
	fi
	if diff -u "$T_TMP/want.txt" "$T_TMP/imapd.txt" > "$T_TMP/diff.txt"; then
		pass "$3: the expected names"
	else
		fail "$3: not the expected names"; show "$T_TMP/diff.txt"
	fi
}

# The issue's case: f.p.c is listed itself, so its parent f.p comes back not at all (before:
# `* LIST (\NonExistent \HasChildren) "." f.p ("CHILDINFO" ("SUBSCRIBED"))` as well).
same 'a LIST (SUBSCRIBED RECURSIVEMATCH) "" (f.p f.p.c)' 'f.p.c \Subscribed' \
	"issue 9 item 6, (f.p f.p.c)"
same 'b LIST (SUBSCRIBED RECURSIVEMATCH) "" f.p' 'f.p \NonExistent CHILDINFO' \
	"f.p alone: now its child goes unlisted"
# RFC 5258 example 9, D03 "*2": exactly the RFC's answer.
same 'c LIST (RECURSIVEMATCH SUBSCRIBED) "" "*2"' 'foo2  CHILDINFO
foo2.bar2 \Subscribed
baz2.bar2 \Subscribed
baz2.bar22 \Subscribed
baz2.bar222 \Subscribed
eps2 \Subscribed CHILDINFO
qux2.bar2 \Subscribed' 'RFC 5258 example 9, "*2"'
# Example 9, "*": every subscribed name is listed, so only eps2 (subscribed itself, with
# subscribed children) carries CHILDINFO (3.5's SHOULD; the RFC's answer adds foo2 and baz2).
same 'd LIST (RECURSIVEMATCH SUBSCRIBED) "" "*"' 'foo2.bar1 \Subscribed
foo2.bar2 \Subscribed
baz2.bar2 \Subscribed
baz2.bar22 \Subscribed
baz2.bar222 \Subscribed
eps2 \Subscribed CHILDINFO
eps2.mamba \Subscribed
qux2.bar2 \Subscribed
f.p.c \Subscribed
Foo.Baz \Subscribed' 'RFC 5258 example 9, "*"'
# "%": no child is listed, every parent of a subscribed name says so (example 8 A, A2).
same 'e LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"' 'foo2  CHILDINFO
baz2  CHILDINFO
eps2 \Subscribed CHILDINFO
qux2 \NonExistent CHILDINFO
f \NonExistent CHILDINFO
Foo  CHILDINFO' 'RFC 5258 example 8 A and 9, "%"'
