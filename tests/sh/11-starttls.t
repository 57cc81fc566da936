#!/usr/bin/env bash
# STARTTLS through UCSPI-TLS (ucspi-tls(2), DESIGN.md 2), with tests/bin/ucspitls
# standing in for sslserver -n / s6-ucspitlsd (Debian packages neither).
# RFC 3501 6.2.1 STARTTLS; 6.2.3/7.2.1 LOGINDISABLED before TLS; RFC 3501 6.2.1 and
# CVE-2011-0411: commands pipelined behind STARTTLS in the same packet must not run.
. "$(dirname "$0")/lib.sh"
need_imapd
make_cert
add_user joe 'Tls.pw'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 3 1 "$UID_joe:$UID_joe" || fail "mkmaildir"

PORT=$(free_port)
bg env -u IMAPD_PLAINTEXT IMAPD_FAILDELAY=0 CHECKPASSWORD_TEST_USERS="$USERS" \
	tcpserver -v -R -H -l0 127.0.0.1 "$PORT" \
	"$BIN/ucspitls" "$CERT" "$KEY" \
	"$IMAPD" login "$BIN/checkpassword-test" "$IMAPD" serve \
	> "$T_TMP/server.log" 2>&1 < /dev/null
wait_port "$PORT" 10 || { fail "tcpserver not listening"; show "$T_TMP/server.log"; exit 1; }
trap 'rc=$?; [ $T_FAILS -gt 0 ] && { note "server log:"; show "$T_TMP/server.log"; }; (exit $rc); cleanup' EXIT

chat 127.0.0.1 "$PORT" 'a CAPABILITY' 'b LOGIN joe Tls.pw' 'c LOGOUT'
show "$OUT"
expect "$OUT" '^\* CAPABILITY .*STARTTLS' "plaintext: STARTTLS offered (UCSPITLS set)"
expect "$OUT" '^\* CAPABILITY .*LOGINDISABLED' "plaintext: LOGINDISABLED"
expect "$OUT" '^b NO' "plaintext: LOGIN refused"

cat > "$T_TMP/t_starttls.py" <<'PY'
import imaplib, ssl, sys
port = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4("127.0.0.1", port, timeout=15)
print("before", " ".join(M.capabilities))
typ, data = M.starttls(ssl_context=ctx)
print("starttls", typ, M.sock.version())
print("after", " ".join(M.capabilities))
print("login", M.login("joe", "Tls.pw")[0])
typ, data = M.select("INBOX")
print("select", typ, data[0].decode())
print("logout", M.logout()[0])
PY
timeout 40 "$PYTHON" "$T_TMP/t_starttls.py" "$PORT" > "$T_TMP/py.out" 2>&1
note "imaplib starttls:"; show "$T_TMP/py.out"
expect "$T_TMP/py.out" '^starttls OK TLSv1\.[23]$' "STARTTLS OK, TLS negotiated"
expect_not "$T_TMP/py.out" '^after .*(STARTTLS|LOGINDISABLED)' "after TLS: neither STARTTLS nor LOGINDISABLED (RFC 3501 6.2.1)"
expect "$T_TMP/py.out" '^login OK$' "login inside TLS OK"
expect "$T_TMP/py.out" '^select OK 3$' "select INBOX inside TLS: 3 messages"
expect "$T_TMP/py.out" '^logout BYE$' "logout BYE"

# Injection: "a STARTTLS\r\nb CAPABILITY\r\n" in one write.  The b command must not
# be answered in plaintext, nor run inside TLS once the handshake is done.
cat > "$T_TMP/t_inject.py" <<'PY'
import socket, ssl, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
buf = b""
while b"\r\n" not in buf:
    buf += s.recv(4096)
print("greeting", buf.decode().strip())
s.sendall(b"a STARTTLS\r\nb CAPABILITY\r\n")
plain = b""
while b"\na " not in b"\n" + plain or not plain.endswith(b"\r\n"):
    d = s.recv(4096)
    if not d:
        break
    plain += d
# anything more in plaintext within a second would be the b response
s.settimeout(1)
try:
    plain += s.recv(4096, socket.MSG_PEEK)
except socket.timeout:
    pass
for l in plain.decode("latin-1").splitlines():
    print("plain", l)
s.settimeout(10)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="localhost")
print("tls", t.version())
t.sendall(b"c NOOP\r\n")
enc = b""
while b"\nc " not in b"\n" + enc or not enc.endswith(b"\r\n"):
    d = t.recv(4096)
    if not d:
        break
    enc += d
for l in enc.decode("latin-1").splitlines():
    print("tls", l)
PY
timeout 30 "$PYTHON" "$T_TMP/t_inject.py" "$PORT" > "$T_TMP/inj.out" 2>&1
note "pipelined STARTTLS:"; show "$T_TMP/inj.out"
expect "$T_TMP/inj.out" '^plain a OK' "a STARTTLS: tagged OK in plaintext"
expect_not "$T_TMP/inj.out" '^plain (b |\* CAPABILITY)' "b CAPABILITY not answered in plaintext"
expect "$T_TMP/inj.out" '^tls TLSv1' "TLS handshake after the pipelined command"
expect "$T_TMP/inj.out" '^tls c OK' "c NOOP answered inside TLS"
expect_not "$T_TMP/inj.out" '^tls (b |\* CAPABILITY)' "b CAPABILITY not run inside TLS (CVE-2011-0411)"
