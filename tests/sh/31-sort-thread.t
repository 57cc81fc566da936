#!/usr/bin/env bash
# SORT and THREAD (RFC 5256, issue 4) on the message corpus, held against what Debian's
# Dovecot answered on the same Maildir, recorded once by tests/bin/record-sort-thread into
# tests/corpus/fixtures/sort-thread.txt.  The corpus is loaded with UID 100+2n for message
# n and an INTERNALDATE that is not in corpus order (2001-09-09 13:46:40 UTC + (29n mod 74)
# days), so that ARRIVAL, SINCE and the UID forms are real tests; both servers run with
# TZ=UTC.  The commands: SORT by each key (SUBJECT, REVERSE DATE, DATE, FROM DATE, TO, CC,
# SIZE, ARRIVAL, REVERSE ARRIVAL, SUBJECT DATE), UID SORT (SUBJECT REVERSE SIZE), THREAD
# ORDEREDSUBJECT and REFERENCES (and UID THREAD), and SORT/THREAD with search keys.
# Every `* SORT` / `* THREAD` line must be Dovecot's, except where Dovecot is wrong by
# RFC 5256: then the fixture ends with
#     # differs from Dovecot: WHY (RFC section)
#     accept TAG * SORT ...
# and imapd must give the accepted answer.
# Re-record with `tests/bin/record-sort-thread` (as root); the accepted answers are kept.
. "$(dirname "$0")/lib.sh"

need_imapd
getent passwd nobody > /dev/null || skip_all "no user nobody"
FIX=$TOP/tests/corpus/fixtures/sort-thread.txt
[ -f "$FIX" ] && pass "the fixture sort-thread.txt exists" || { fail "no $FIX"; exit 1; }

n=$(grep -c '^> ' "$FIX")
[ "$n" -ge 11 ] && pass "the fixture has $n commands" || fail "the fixture has only $n commands"

GOT=$T_TMP/got.txt
timeout 60 "$PYTHON" "$BIN/record-sort-thread" --imapd "$IMAPD" --out "$GOT" > "$T_TMP/record.out" 2>&1
rc=$?
grep -v -e ' login ok ' -e ' logout ' "$T_TMP/record.out" | sed 's/^/    imapd: /'
expect_eq "$rc" 0 "imapd answered every SORT and THREAD on the corpus (record-sort-thread --imapd)"
expect_eq "$(grep -c '^> ' "$GOT" 2>/dev/null)" "$n" "imapd's transcript has every command"

"$PYTHON" "$BIN/record-sort-thread" --compare "$FIX" "$GOT" > "$T_TMP/compare.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok "*) pass "${line#ok }" ;;
	"FAILED "*) fail "${line#FAILED } differs from the fixture" ;;
	*) printf '    %s\n' "$line" ;;
	esac
done < "$T_TMP/compare.out"
