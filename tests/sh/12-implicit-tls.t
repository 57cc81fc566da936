#!/usr/bin/env bash
# Implicit TLS (port 993 style, RFC 8314 3.2) with Debian's stunnel4 in front of
# tcpserver: stunnel accepts TLS on one port and connects to the supervised service on
# another; imapd sees a connection from 127.0.0.1, for which the repository's
# tcprules set IMAPD_PLAINTEXT.  Python imaplib IMAP4_SSL logs in and selects INBOX.
. "$(dirname "$0")/lib.sh"
command -v stunnel4 > /dev/null || skip_all "stunnel4 not installed"

make_service
add_user joe 'Ssl.pw'
timeout 30 "$BIN/mkmaildir" "$HOME_joe/MAILDIR.IMAP" 6 6 "$UID_joe:$UID_joe" || fail "mkmaildir"
start_service
make_cert

TLSPORT=$(free_port)
while [ "$TLSPORT" = "$PORT" ]; do TLSPORT=$(free_port); done
cat > "$T_TMP/stunnel.conf" <<CONF
foreground = yes
pid =
output = $T_TMP/stunnel.log
debug = 5
[imaps]
accept = 127.0.0.1:$TLSPORT
connect = 127.0.0.1:$PORT
cert = $CERT
key = $KEY
CONF
bg stunnel4 "$T_TMP/stunnel.conf" > "$T_TMP/stunnel.out" 2>&1 < /dev/null
wait_port "$TLSPORT" 10 || { fail "stunnel4 not listening"; show "$T_TMP/stunnel.out"; exit 1; }

cat > "$T_TMP/t_implicit.py" <<'PY'
import imaplib, ssl, sys
port = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=15)
print("tls", M.sock.version())
print("capabilities", " ".join(M.capabilities))
print("login", M.login("joe", "Ssl.pw")[0])
typ, data = M.select("INBOX")
print("select", typ, data[0].decode())
print("logout", M.logout()[0])
PY
timeout 40 "$PYTHON" "$T_TMP/t_implicit.py" "$TLSPORT" > "$T_TMP/py.out" 2>&1
note "imaplib IMAP4_SSL through stunnel4:"; show "$T_TMP/py.out"
expect "$T_TMP/py.out" '^tls TLSv1\.[23]$' "TLS negotiated with stunnel4"
expect "$T_TMP/py.out" '^capabilities .*IMAP4REV1' "capabilities through TLS"
expect "$T_TMP/py.out" '^login OK$' "IMAP4_SSL login OK"
expect "$T_TMP/py.out" '^select OK 6$' "select INBOX: 6 messages"
expect "$T_TMP/py.out" '^logout BYE$' "logout BYE"
wait_file_match "$LOGFILE" 'login.*joe|joe.*login' 5
expect "$LOGFILE" '127\.0\.0\.1' "the service logged the connection from stunnel (127.0.0.1)"
