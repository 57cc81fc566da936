#!/usr/bin/env bash
# DESIGN.md 1 and SECURITY.md: under tcpserver, the process that parses the client's bytes
# before login is not root.  The login process that tcpserver starts stays root only to run
# the checker; its child speaks IMAP as nobody (IMAPD_LOGINUSER), chrooted to an empty
# (removed) directory.  After the login the child is gone, and no login process holds the
# password: it came as a literal (RFC 3501 4.3), read here from /proc/PID/mem as a
# debugger would.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Lit3ral-Pass.word'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 2 0 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service

# The client: greets, waits for "go1", logs in with a literal password, waits for "go2".
cat > "$T_TMP/t_steps.py" <<'PY'
import os, socket, sys, time
port, pw, d = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
def step(n):
    open(os.path.join(d, "at%d" % n), "w").close()
    for _ in range(300):
        if os.path.exists(os.path.join(d, "go%d" % n)):
            return
        time.sleep(0.1)
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
print(f.readline().decode().strip())
step(1)
s.sendall(b"a LOGIN joe {%d}\r\n" % len(pw))
print(f.readline().decode().strip())
s.sendall(pw + b"\r\n")
print(f.readline().decode().strip())
step(2)
s.sendall(b"b LOGOUT\r\n")
while True:
    l = f.readline()
    if not l:
        break
    print(l.decode().strip())
PY

# memory_has PID STRING: the string is in the readable memory of process PID
cat > "$T_TMP/memory_has.py" <<'PY'
import sys
pid, needle = sys.argv[1], sys.argv[2].encode()
found = read = False
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        f = line.split()
        if not f[1].startswith("r") or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
            continue
        a, b = (int(x, 16) for x in f[0].split("-"))
        try:
            mem.seek(a)
            data = mem.read(b - a)
        except OSError:
            continue
        read = True
        if needle in data:
            found = True
            break
if not read:
    sys.exit(2)
sys.exit(0 if found else 1)
PY
memory_has() { "$PYTHON" "$T_TMP/memory_has.py" "$1" "$2"; }

steps=$T_TMP/steps
mkdir -p "$steps"
timeout 60 "$PYTHON" "$T_TMP/t_steps.py" "$PORT" 'Lit3ral-Pass.word' "$steps" > "$T_TMP/steps.out" 2>&1 &
client=$!
wait_for() { local i; for ((i = 0; i < 100; i++)); do [ -e "$steps/$1" ] && return 0; sleep 0.1; done; return 1; }

wait_for at1 || fail "the client never got the greeting"
server=$(svc_pid)
monitor=$(pgrep -P "$server" -x imapd | head -n1)
dialogue=$(pgrep -P "$monitor" -x imapd | head -n1)
note "tcpserver $server, login $monitor, its child $dialogue"
expect_eq "$(ps -o user= -p "$monitor" | tr -d ' ')" root "before login: the process tcpserver started stays root (to run the checker)"
expect_eq "$(ps -o user= -p "$dialogue" | tr -d ' ')" nobody "before login: the process that reads the client runs as nobody"
expect_eq "$(ps -o group= -p "$dialogue" | tr -d ' ')" nogroup "... in group nogroup"
root=$(readlink "/proc/$dialogue/root")
if [[ $root == */.imapd-empty-*' (deleted)' ]]; then pass "... chrooted to an empty, removed directory ($root)"; else fail "... root is '$root'"; fi
expect_eq "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$dialogue/status")" 1 "... with no_new_privs"
expect_eq "$(awk '/^Max open files/ { print $4 }' "/proc/$dialogue/limits")" 1 "... and no descriptor to open"
expect_eq "$(ls -A "/proc/$dialogue/root/" 2>&1 | wc -l)" 0 "... its root directory is empty"
touch "$steps/go1"

wait_for at2 || fail "the client never logged in"
show "$T_TMP/steps.out"
expect "$T_TMP/steps.out" '^a OK ' "LOGIN with a literal password: OK"
expect_eq "$(pgrep -P "$monitor" -x imapd -u "$UID_joe" | wc -l)" 1 "during the session: imapd serve runs as joe under the login process"
expect_eq "$(pgrep -P "$monitor" -u nobody | wc -l)" 0 "the pre-login child is gone"
memory_has "$monitor" 'imapd ready'
rc=$?
expect_eq "$rc" 0 "the memory of the login process can be searched (its greeting is there)"
memory_has "$monitor" 'it3ral-Pass.word'
expect_eq "$?" 1 "the login process does not hold the password during the session"
touch "$steps/go2"
wait "$client"
expect "$T_TMP/steps.out" '^b OK LOGOUT' "LOGOUT ends the session"
