#!/usr/bin/env bash
# mailfront's imapfront-auth in front of `imapd serve`, under the real tcpserver (issue
# 11 item 1): imapfront-auth answers the greeting and LOGIN itself, checks the password
# through a CVM module (cvm-unix: the system's passwords), changes to the user and its
# home and runs `imapd serve` with IMAPLOGINTAG set, the way it runs Courier's imapd.
# imapd must then answer the LOGIN's tag itself (DESIGN.md 1), with its own CAPABILITY,
# and serve ~/MAILDIR.IMAP as the user; a wrong password gets imapfront-auth's NO and
# the connection goes on.
. "$(dirname "$0")/lib.sh"

need_imapd
[ -x /usr/sbin/imapfront-auth ] || skip_all "mailfront is not installed (make deps)"
command -v cvm-unix > /dev/null || skip_all "cvm is not installed (make deps)"

add_sysuser mf 'unused'
echo "$SYSUSER:Mf.pw36" | chpasswd || fail "chpasswd"
MD=$SYSHOME/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 3 1 "$SYSUSER" || fail "mkmaildir"
# the home must be searchable for the user only; imapfront-auth changes into it
chown "$SYSUSER:$SYSUSER" "$SYSHOME"

PORT=$(free_port) || { fail "no free port"; exit 1; }
LOG=$T_TMP/tcpserver.log
bg sh -c "exec env CVM_SASL_PLAIN=cvm-unix MAXAUTHFAIL=3 \
	tcpserver -v -HRl0 -c 10 127.0.0.1 $PORT /usr/sbin/imapfront-auth $IMAPD serve 2> $LOG"
wait_port "$PORT" || { fail "tcpserver did not listen"; show "$LOG"; exit 1; }

chat 127.0.0.1 "$PORT" "a1 LOGIN $SYSUSER wrong" "a2 LOGIN $SYSUSER Mf.pw36" \
	'a3 SELECT INBOX' 'a4 FETCH 1:* (FLAGS)' 'a5 LOGOUT'
note "transcript:"; show "$OUT"
expect "$OUT" '^\* OK imapfront ready' "imapfront-auth greets"
expect "$OUT" '^a1 NO' "a wrong password: imapfront-auth says NO"
expect "$OUT" '^a2 OK \[CAPABILITY IMAP4rev1 IMAP4rev2 [^]]*IDLE' "imapd answers the LOGIN tag with its own CAPABILITY"
expect "$OUT" '^\* 3 EXISTS$' "SELECT INBOX: the user's 3 messages"
expect "$OUT" '^\* 1 FETCH \(FLAGS \(\\Seen\)\)$' "message 1 is \\Seen"
expect "$OUT" '^a5 OK' "LOGOUT completes"
expect_eq "$RC" 0 "the dialogue went as expected"
expect "$LOG" "login ok user=$SYSUSER" "imapd logs the login (AUTHENTICATED from imapfront-auth)"
expect_not "$LOG" 'Mf\.pw36' "no password in the log"

# A real client through the chain: imaplib logs in (AUTHENTICATE PLAIN, which
# imapfront-auth takes through cvm-sasl), appends and reads back; the served process ran
# as the user, so the stored file is the user's.
cat > "$T_TMP/client.py" <<'PY'
import imaplib, sys
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
M = imaplib.IMAP4("127.0.0.1", port, timeout=15)
print("auth", M.authenticate("PLAIN", lambda _: b"\0" + user.encode() + b"\0" + pw.encode())[0])
print("caps", M.capability()[1][0].decode())
msg = b"From: ann@example.org\r\nSubject: via mailfront\r\n\r\nHello.\r\n"
print("append", M.append("INBOX", None, None, msg)[0])
M.select("INBOX")
typ, data = M.uid("SEARCH", None, "SUBJECT", "mailfront")
uid = data[0].split()[-1]
typ, data = M.uid("FETCH", uid, "(BODY.PEEK[])")
print("same", data[0][1] == msg)
print("logout", M.logout()[0])
PY
timeout 30 "$PYTHON" "$T_TMP/client.py" "$PORT" "$SYSUSER" Mf.pw36 > "$T_TMP/py.out" 2>&1
note "imaplib:"; show "$T_TMP/py.out"
expect "$T_TMP/py.out" '^auth OK$' "AUTHENTICATE PLAIN through imapfront-auth"
expect "$T_TMP/py.out" '^caps .*IDLE' "CAPABILITY after login is imapd's"
expect "$T_TMP/py.out" '^append OK$' "APPEND OK"
expect "$T_TMP/py.out" '^same True$' "the message comes back byte for byte"
NEWEST=$(ls -t "$MD/cur" "$MD/new" 2>/dev/null | grep -v '^$' | grep -v ':$' | head -n1)
OWNER=$(stat -c %U "$(find "$MD/cur" "$MD/new" -type f -name "$NEWEST" | head -n1)" 2>/dev/null)
expect_eq "$OWNER" "$SYSUSER" "the stored message belongs to the user"
