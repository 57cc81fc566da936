#!/usr/bin/env bash
# Issue 8 item 1: the short `make bench` (tests/bench/bench), one round on the generated
# 1,000-message Maildir, every row, against the real service (tcpserver + checkpw) and a
# private Dovecot, so that the bench keeps working.  No timing is asserted: the checks are
# that every row produced a figure for both servers and that both servers answered alike
# where IMAP says they must: EXISTS, one FETCH response per message (RFC 3501 6.4.5),
# the same UIDs and RFC822.SIZEs, the same HEADER.FIELDS bytes and bodies, the same
# SEARCH results (RFC 3501 6.4.4), the same SORT order and THREAD tree (RFC 5256 3),
# every message \Flagged after STORE 1:* (6.4.6), one EXPUNGE response per message
# removed (7.4.1), and every APPENDed message counted (6.3.11, RFC 3502).
# APPEND and MULTIAPPEND carry 100 messages here instead of 1,000, to keep it short.
. "$(dirname "$0")/lib.sh"
need_imapd
[ -x /usr/sbin/dovecot ] || skip_all "Debian's dovecot-imapd is not installed"
command -v tcpserver > /dev/null || skip_all "no tcpserver (ucspi-tcp)"
[ -x /usr/bin/checkpw ] || skip_all "no checkpw"

T0=$(now)
BENCH_SIZES=1000 BENCH_ROUNDS=1 BENCH_APPENDS=100 BENCH_SESSION_SECONDS=1 BENCH_CHECK=1 \
	BENCH_RESULTS=$T_TMP/results.md timeout 100 bash "$TOP/tests/bench/bench" > "$T_TMP/bench.out" 2>&1
expect_eq "$?" 0 "tests/bench/bench ran to its end, every check passed"
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	"  FAILED: "*) fail "bench: ${line#  FAILED: }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done < "$T_TMP/bench.out"
expect "$T_TMP/results.md" '^\| SELECT INBOX \| [0-9.]+ ms' "results.md has the SELECT row with figures"
expect "$T_TMP/results.md" '^[0-9]+ checks, 0 failed' "results.md records no failed check"
note "short bench: $(since "$T0")s"
