#!/usr/bin/env bash
# DESIGN.md 1: before authentication the server waits at most AUTH_TIMEOUT seconds in all
# (mailfront's name) for the client to log in; an idle client is disconnected (RFC 3501 5.4
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

# AUTH_TIMEOUT is a deadline for the whole dialogue, not an idle timer: a client that
# trickles one byte a second (never idle for 3s) is still disconnected, with a BYE that
# says why and a log line.  Before, it could hold a tcpserver slot for days.
svc_env AUTH_TIMEOUT 3
sleep 1.2
restart_service
cat > "$T_TMP/t_trickle.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
print(f.readline().decode().strip())
s.settimeout(0.05)
got = b""
for i in range(30):
    try:
        s.sendall(b"x")
    except OSError as e:
        print("send failed after %d bytes" % i)
        break
    try:
        d = s.recv(4096)
        if not d:
            print("closed by the server after %d bytes" % i)
            break
        got += d
    except socket.timeout:
        pass
    except OSError as e:
        print("closed by the server after %d bytes" % i)
        break
    time.sleep(1)
else:
    print("still connected after 30 bytes")
for l in got.decode("latin-1").splitlines():
    print(l)
PY
timeout 60 "$PYTHON" "$T_TMP/t_trickle.py" "$PORT" > "$T_TMP/trickle.out" 2>&1
show "$T_TMP/trickle.out"
expect "$T_TMP/trickle.out" '^(closed by the server|send failed) after' "a client trickling a byte a second is disconnected"
expect_not "$T_TMP/trickle.out" '^still connected' "it does not hold the connection for 30s"
expect "$T_TMP/trickle.out" '^\* BYE .*time limit' "the BYE says the time limit was reached"
wait_file_match "$LOGFILE" 'disconnect before login: AUTH_TIMEOUT of 3s reached' 5
expect "$LOGFILE" 'disconnect before login: AUTH_TIMEOUT of 3s reached' "the log says why"

# a client that logs in within the limit is not affected
chat 127.0.0.1 "$PORT" 'n NOOP' 'z LOGIN joe Pw' 'y LOGOUT'
show "$OUT"
expect "$OUT" '^z OK' "LOGIN within the limit works"
