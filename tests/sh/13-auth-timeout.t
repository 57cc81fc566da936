#!/usr/bin/env bash
# DESIGN.md 1: before authentication the server waits at most AUTH_TIMEOUT seconds
# (mailfront's name) for the client; an idle client is disconnected (RFC 3501 5.4
# allows an inactivity autologout; the server may send * BYE first).
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Pw'
svc_env AUTH_TIMEOUT 2
start_service

start=$(now)
chat -t 10 --eof 127.0.0.1 "$PORT"
took=$(since "$start")
show "$OUT"
expect "$OUT" '^\* OK' "greeting"
expect_eq "$RC" 0 "idle connection closed by the server"
if fge "$took" 1.8 && ! fge "$took" 6; then pass "closed after ${took}s (AUTH_TIMEOUT=2)"; else fail "closed after ${took}s, want about 2s"; fi

# activity before the limit keeps the connection: three NOOPs a second apart
cat > "$T_TMP/t_slow.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
print(f.readline().decode().strip())
for i in range(3):
    time.sleep(1.2)
    s.sendall(b"n%d NOOP\r\n" % i)
    while True:
        l = f.readline().decode()
        print(l.strip())
        if not l or l.startswith("n%d " % i):
            break
s.sendall(b"z LOGIN joe Pw\r\n")
print(f.readline().decode().strip())
PY
timeout 20 "$PYTHON" "$T_TMP/t_slow.py" "$PORT" > "$T_TMP/slow.out" 2>&1
show "$T_TMP/slow.out"
expect "$T_TMP/slow.out" '^n2 OK' "NOOPs within the limit keep the connection open"
expect "$T_TMP/slow.out" '^z OK' "and LOGIN still works after 3.6s"
