#!/usr/bin/env bash
# daemontools: `svc -t` makes supervise send TERM to tcpserver and start ./run again
# (supervise(8), svc(8)).  The administrator expects: the service comes back with a
# new tcpserver, the next connection works, and sessions already running (tcpserver's
# children) are not cut by the restart.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'secret'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 5 2 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

# supervise must see the service up for more than a second before svc -t, or it
# would not restart it at once; wait for a proper uptime.
sleep 1.2
old=$(svc_pid)
[ -n "$old" ] && pass "svstat reports tcpserver pid $old" || fail "svstat: $(svstat "$SVC")"

# A session that is open across the restart, held by a small client.
cat > "$T_TMP/t_hold.py" <<'PY'
import socket, sys, subprocess, time
port, svc = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
def cmd(line):
    s.sendall(line.encode() + b"\r\n")
    tag = line.split()[0].encode()
    out = []
    while True:
        l = f.readline()
        if not l:
            out.append(b"<EOF>\n"); break
        out.append(l)
        if l.startswith(tag + b" "):
            break
    sys.stdout.write(b"".join(out).decode("latin-1").replace("\r", ""))
    sys.stdout.flush()
sys.stdout.write(f.readline().decode("latin-1").replace("\r", ""))
cmd("h1 LOGIN joe secret")
cmd("h2 SELECT INBOX")
subprocess.run(["svc", "-t", svc], check=True, timeout=10)
time.sleep(2)   # the restart happens while this session is idle
cmd("h3 NOOP")
cmd("h4 LOGOUT")
PY
timeout 40 "$PYTHON" "$T_TMP/t_hold.py" "$PORT" "$SVC" > "$T_TMP/hold.out" 2>&1
note "session held across svc -t:"; show "$T_TMP/hold.out"
expect "$T_TMP/hold.out" '^h2 OK' "held session: SELECT OK before the restart"
expect "$T_TMP/hold.out" '^h3 OK' "held session: NOOP still answered after svc -t (RFC 3501 6.1.2)"
expect "$T_TMP/hold.out" '^h4 OK' "held session: LOGOUT OK"

# The service came back with a new tcpserver.
new=
for ((i = 0; i < 100; i++)); do
	new=$(svc_pid)
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$old" ] && pass "supervise restarted run: pid $old -> $new" || fail "pid after svc -t: '$new' (was $old)"

# Retry-connect, bounded: the first connection after the restart must work.
ok=0
for ((i = 0; i < 50; i++)); do
	chat -t 5 127.0.0.1 "$PORT" 'r1 LOGIN joe secret' 'r2 SELECT INBOX' 'r3 LOGOUT'
	[ "$RC" = 111 ] || { ok=1; break; }
	sleep 0.2
done
[ $ok = 1 ] && pass "connected after svc -t" || fail "could not connect within 10s of svc -t"
show "$OUT"
expect "$OUT" '^r1 OK' "after restart: LOGIN OK"
expect "$OUT" '^\* 5 EXISTS$' "after restart: * 5 EXISTS"
expect "$OUT" '^r3 OK' "after restart: LOGOUT OK"

# A second restart in a row also comes back (no port left in use).
sleep 1.2
restart_service
chat -t 5 127.0.0.1 "$PORT" 's1 LOGIN joe secret' 's2 LOGOUT'
expect "$OUT" '^s1 OK' "after a second svc -t: LOGIN OK"
