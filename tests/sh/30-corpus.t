#!/usr/bin/env bash
# The message corpus (issue 4): tests/corpus/NNN-name.eml, every one served by imapd and
# held against what Debian's Dovecot answered on the same Maildir, recorded once by
# tests/bin/record-fixtures into tests/corpus/fixtures/NNN-name.txt:
#     FETCH n (ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE), BODY.PEEK[HEADER], [TEXT], [1],
#     [1.MIME], [2] and [HEADER.FIELDS (From Subject)]
# (RFC 3501 6.4.5 and 7.4.2).  tests/bin/corpus-compare compares item by item, as IMAP
# data (a string quoted or as a literal is the same string, item order is free).
# Where Dovecot is wrong by the RFCs, or the RFCs leave the choice open, the fixture
# ends with the answer accepted from imapd, after a line
#     # differs from Dovecot: WHY (RFC section)
# Re-record with `tests/bin/record-fixtures` (as root); the accepted answers are kept.
. "$(dirname "$0")/lib.sh"

need_imapd
getent passwd nobody > /dev/null || skip_all "no user nobody"
CORPUS=$TOP/tests/corpus
FIX=$CORPUS/fixtures

n=$(ls "$CORPUS"/[0-9][0-9][0-9]-*.eml | wc -l)
[ "$n" -ge 60 ] && pass "the corpus has $n messages (at least 60)" || fail "the corpus has only $n messages"
missing=0
for f in "$CORPUS"/[0-9][0-9][0-9]-*.eml; do
	b=$(basename "$f" .eml)
	[ -f "$FIX/$b.txt" ] || { fail "no fixture for $b"; missing=1; }
done
[ $missing = 0 ] && pass "every message has its fixture"

# imapd's answers, asked the same way record-fixtures asked Dovecot; RFC822.SIZE is also
# checked against the message's size with CRLF line ends (DESIGN.md 3).
GOT=$T_TMP/got
timeout 50 "$PYTHON" "$BIN/record-fixtures" --imapd "$IMAPD" --out "$GOT" > "$T_TMP/record.out" 2>&1
rc=$?
grep -v -e ' login ok ' -e ' logout ' "$T_TMP/record.out" | sed 's/^/    imapd: /'
expect_eq "$rc" 0 "imapd answered every FETCH on the corpus (record-fixtures --imapd)"

"$PYTHON" "$BIN/corpus-compare" "$FIX" "$GOT" > "$T_TMP/compare.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok "*) pass "${line#ok }" ;;
	"FAILED "*) fail "${line#FAILED } differs from the fixture" ;;
	*) printf '    %s\n' "$line" ;;
	esac
done < "$T_TMP/compare.out"
