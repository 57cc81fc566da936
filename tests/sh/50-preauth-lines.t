#!/usr/bin/env bash
# Issue 9 items 7 and 8: the pre-authentication line bound, under the repository's run
# script (tcpserver, real sockets) and over a pipe (as sslserver and UCSPI-TLS give it).
#  - RFC 2971 3.3 allows 30 ID pairs, fields of 30 octets, values of 1,024: the largest ID
#    command, quoted (63 KB), is answered, and the session goes on.  (Dovecot 2.3.19's
#    imap-login closes with `* BYE Input buffer full, aborting` on it.)
#  - RFC 3501 7.1.5, RFC 5530 3 (TOOBIG): a 2 MB line gets `a BAD [TOOBIG]` with its tag
#    (before: `* BAD [TOOBIG]`, and the client's tag was never answered), and a LOGIN
#    pipelined behind it, and the command behind that, still reach the checker and the
#    session (RFC 3501 5.5): skipping the line took nothing past its end.
#  - Quickly: the line is looked at (MSG_PEEK on a socket, tee(2) on a pipe) and taken in
#    pieces of up to 64 KiB ending exactly at its LF.  strace -c counts the read(2) calls
#    for the 2 MB line: before, two per byte over a pipe (4 million system calls); now a
#    few hundred at most.  Counts, not times: the machine's speed does not matter.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe secret
start_service

# The largest ID command RFC 2971 allows: 30 pairs, each string quoted, every octet of the
# 30-octet field and the 1,024-octet value needing a backslash (`"` and `\`).
ID=$T_TMP/id.txt
"$PYTHON" - "$ID" <<'PY'
import sys
esc = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
pairs = [esc(("x-field-%02d" % i).ljust(30, '"')) + " " + esc('"\\' * 512) for i in range(30)]
open(sys.argv[1], "w").write("a ID (" + " ".join(pairs) + ")\nb NOOP\n")
PY
note "ID line: $(head -n1 "$ID" | wc -c) bytes"
chat 127.0.0.1 "$PORT" < "$ID"
expect_eq "$RC" 0 "tcpserver: the largest RFC 2971 ID command is answered, the dialogue goes on"
expect "$OUT" '^\* ID \("name" "imapd"' "tcpserver: * ID answered"
expect "$OUT" '^a OK ID completed$' "tcpserver: a OK ID completed"
expect "$OUT" '^b OK NOOP completed$' "tcpserver: the next command answered"

LONG=$T_TMP/long.txt
"$PYTHON" - "$LONG" <<'PY'
import sys
open(sys.argv[1], "w").write("a NOOP " + "x" * 2000000 + "\nb NOOP\n")
PY
chat 127.0.0.1 "$PORT" < "$LONG"
show "$OUT" | cut -c1-120
expect "$OUT" '^a BAD \[TOOBIG\] Command line too long$' "tcpserver: a 2 MB line gets a BAD [TOOBIG] tagged a"
expect_not "$OUT" '^\* BAD' "tcpserver: no untagged BAD"
expect "$OUT" '^b OK NOOP completed$' "tcpserver: the command after it is answered"

# All in one write: the 2 MB line, LOGIN and SELECT pipelined behind it.
RAW=$T_TMP/raw.txt
"$PYTHON" - "$RAW" <<'PY'
import sys
open(sys.argv[1], "w").write("a NOOP " + "x" * 2000000 + "\nx1 LOGIN joe secret\nx2 SELECT INBOX\nx3 LOGOUT\n")
PY
chat --raw -i 5 127.0.0.1 "$PORT" < "$RAW"
show "$OUT" | cut -c1-120
expect "$OUT" '^a BAD \[TOOBIG\]' "tcpserver: the 2 MB line refused"
expect "$OUT" '^x1 OK ' "tcpserver: the LOGIN pipelined behind it is the session's"
expect "$OUT" '^x2 OK \[READ-WRITE\]' "tcpserver: the SELECT behind that reached imapd serve"
expect "$OUT" '^x3 OK ' "tcpserver: LOGOUT answered by the session"

########################################################################
need_strace
# count_reads TRACE: read(2), recvfrom (MSG_PEEK) and tee(2) calls in an strace -c summary
count_reads() {
	awk '$NF == "read" || $NF == "recvfrom" || $NF == "tee" { n += $4 } END { print n + 0 }' "$1"
}
PIPE_IN=$T_TMP/pipe.txt
{ cat "$LONG"; printf 'c LOGOUT\n'; } | sed 's/$/\r/' > "$PIPE_IN"
cat "$PIPE_IN" | timeout 60 strace -f -c -o "$T_TMP/pipe.strace" env -i PATH=/usr/bin:/bin \
	"$IMAPD" login /bin/false > "$T_TMP/pipe.out" 2> "$T_TMP/pipe.err"
show "$T_TMP/pipe.out"
expect "$T_TMP/pipe.out" '^a BAD \[TOOBIG\] Command line too long' "pipe: a 2 MB line gets a BAD tagged a"
expect "$T_TMP/pipe.out" '^c OK LOGOUT completed' "pipe: the dialogue goes on to LOGOUT"
N=$(count_reads "$T_TMP/pipe.strace")
note "pipe: $N read/recvfrom/tee calls for 2,000,031 bytes (strace -c -f, every process of the login role)"
[ "$N" -gt 0 ] && [ "$N" -lt 1000 ] && pass "pipe: fewer than 1,000 reads for the 2 MB line (before: over 2,000,000)" ||
	{ fail "pipe: $N reads"; show "$T_TMP/pipe.strace"; }
grep -q ' tee$' "$T_TMP/pipe.strace" && pass "pipe: looked at with tee(2)" || fail "pipe: no tee(2) call"

# The same over a real tcpserver socket, tcpserver and all its children traced.
SPORT=$(free_port) || { fail "no free port"; exit 1; }
bg strace -f -c -o "$T_TMP/sock.strace" tcpserver -R -H -l0 127.0.0.1 "$SPORT" \
	env -i PATH=/usr/bin:/bin "$IMAPD" login /bin/false
STRACE_PID=$BG_PID
wait_port "$SPORT" 15 || fail "the traced tcpserver does not listen"
chat 127.0.0.1 "$SPORT" < "$LONG"
expect "$OUT" '^a BAD \[TOOBIG\] Command line too long$' "socket: a 2 MB line gets a BAD tagged a"
expect "$OUT" '^b OK NOOP completed$' "socket: the command after it is answered"
# strace writes its summary once tcpserver, its last tracee, is gone.
kill -TERM -- -"$STRACE_PID" 2> /dev/null
for ((i = 0; i < 100; i++)); do kill -0 "$STRACE_PID" 2> /dev/null || break; sleep 0.1; done
N=$(count_reads "$T_TMP/sock.strace")
note "socket: $N read/recvfrom calls for the 2 MB line and the rest of the dialogue"
[ "$N" -gt 0 ] && [ "$N" -lt 1000 ] && pass "socket: fewer than 1,000 reads for the 2 MB line" ||
	{ fail "socket: $N reads"; show "$T_TMP/sock.strace"; }
