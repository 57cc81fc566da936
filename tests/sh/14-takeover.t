#!/usr/bin/env bash
# DESIGN.md 1: once imapd serve has answered the login tag it has taken the connection
# over.  If it then dies by a signal (an OOM kill, a stack overflow; here a real kill -9 of
# the serve process), the login role must not answer the tag a second time (RFC 3501
# 2.2.1: one tagged response per command) nor go back to pre-auth: it only logs and exits.
# serve tells it through IMAPD_TAKEOVERFD, which the checkers pass through their exec
# without knowing it: tests/bin/checkpassword-test and Debian's checkpw.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Take.pw'
add_sysuser tko 'Sys.pw9'
svc_env AUTH_TIMEOUT 15
start_service

cat > "$T_TMP/t_login_wait.py" <<'PY'
import socket, sys
port, user, pw, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
print(f.readline().decode().strip())
s.sendall(b"a LOGIN %s %s\r\n" % (user.encode(), pw.encode()))
print(f.readline().decode().strip())
open(ready, "w").close()
try:
    while True:
        l = f.readline()
        if not l:
            print("EOF")
            break
        print(l.decode("latin-1").strip())
except OSError as e:
    print("error", e)
PY

# kill_serve NAME USER PASSWORD UID: log in, kill -9 the serve process, check the client
kill_serve() {
	local name=$1 user=$2 pw=$3 uid=$4 ready=$T_TMP/ready.$1 out=$T_TMP/kill.$1 pid i
	timeout 60 "$PYTHON" "$T_TMP/t_login_wait.py" "$PORT" "$user" "$pw" "$ready" > "$out" 2>&1 &
	local client=$!
	for ((i = 0; i < 100; i++)); do [ -e "$ready" ] && break; sleep 0.1; done
	# this service's: tcpserver, its child imapd login, that one's child running as the user
	# (other tests may run sessions of the same uid meanwhile)
	pid=
	for ((i = 0; i < 50; i++)); do
		pid=$(for m in $(pgrep -P "$(svc_pid)" -x imapd); do pgrep -P "$m" -u "$uid" -x imapd; done | head -n1)
		[ -n "$pid" ] && break
		sleep 0.1
	done
	if [ -n "$pid" ]; then
		expect_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "$IMAPD serve MAILDIR.IMAP " "$name: the process killed is imapd serve (pid $pid)"
		kill -9 "$pid"
	else
		fail "$name: no imapd serve process of uid $uid"
	fi
	wait "$client"
	show "$out"
	expect "$out" '^a OK ' "$name: LOGIN answered by imapd serve"
	expect_eq "$(grep -c '^a ' "$out")" 1 "$name: after kill -9 of serve, no second tagged answer to a"
	expect_not "$out" 'UNAVAILABLE' "$name: no NO [UNAVAILABLE] on the logged-in connection"
	expect "$out" '^EOF$' "$name: the connection is closed"
	wait_file_match "$LOGFILE" "user=$user ended: imapd serve was killed by signal 9" 10
	expect "$LOGFILE" "user=$user ended: imapd serve was killed by signal 9" "$name: the login role logs how the session ended"
}

kill_serve checkpassword-test joe Take.pw "$UID_joe"

svc_env CHECKPASSWORD /usr/bin/checkpw
sleep 1.2
restart_service
kill_serve checkpw "$SYSUSER" Sys.pw9 "$(id -u "$SYSUSER")"

# A wrong password and a checker failure are still answered by the login role.
chat 127.0.0.1 "$PORT" "a LOGIN $SYSUSER nope" "b LOGIN $SYSUSER Sys.pw9" 'c LOGOUT'
show "$OUT"
expect "$OUT" '^a NO \[AUTHENTICATIONFAILED\]' "wrong password: NO [AUTHENTICATIONFAILED]"
expect "$OUT" '^b OK' "then the right one: OK"
expect "$OUT" '^c OK' "and the session ends normally"

# The byte comes before the OK (strace shows the order of the two writes): a kill cannot
# fall between an OK the client has already seen and the announcement.
if command -v strace > /dev/null; then
	md=$T_TMP/order
	mkdir -p "$md" && chown nobody "$md"
	exec 7> >(cat > /dev/null)
	echo 'z LOGOUT' | IMAPLOGINTAG=t1 IMAPD_TAKEOVERFD=7 timeout 20 strace -f -e trace=write -o "$T_TMP/strace.out" \
		setuidgid nobody "$IMAPD" serve "$md/Maildir" > "$T_TMP/order.out" 2>&1
	exec 7>&-
	y=$(grep -n 'write(7, "y", 1)' "$T_TMP/strace.out" | head -n1 | cut -d: -f1)
	ok=$(grep -n 'write(1, "t1 OK ' "$T_TMP/strace.out" | head -n1 | cut -d: -f1)
	if [ -n "$y" ] && [ -n "$ok" ] && [ "$y" -lt "$ok" ]; then
		pass "imapd serve writes the takeover byte (line $y) before its tagged OK (line $ok)"
	else
		fail "imapd serve: takeover byte at line '${y}', tagged OK at line '${ok}' of strace"
		show "$T_TMP/strace.out"
	fi
else
	fail "strace is needed to check the order of the takeover byte and the OK"
fi
