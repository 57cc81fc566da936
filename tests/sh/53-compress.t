#!/usr/bin/env bash
# COMPRESS=DEFLATE (RFC 4978) with real compressing clients over TCP, under tcpserver:
# Python's zlib (raw DEFLATE, wbits=-15, a sync flush per command) logs in, compresses,
# fetches a large body, idles while mail is delivered and pipelines; then mbsync (isync
# 1.4 compresses whenever the server offers it) syncs the folder, and its protocol log
# (-Dn) shows that COMPRESS was asked for and answered before the sync went on; then mutt
# (which compresses when `imap_deflate` is set) lists INBOX and opens the large message.
# The Python client also runs after STARTTLS under UCSPI-TLS: DEFLATE inside TLS.
. "$(dirname "$0")/lib.sh"

make_service
add_user joe 'Cz.pw52'
MD=$HOME_joe/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 3 1 || fail "mkmaildir INBOX"
# a large, compressible message: about 1.5 MB of text
"$PYTHON" - "$MD/cur/1600000000.M1P1Q9.big:2,S" <<'PY'
import sys
lines = ["From: big@example.org", "Subject: big", "Message-ID: <big@compress.test>", ""]
lines += ["line %d of a long body, %d" % (i, i * 7919 % 10007) for i in range(50000)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
chown -R "$UID_joe:$UID_joe" "$MD"
start_service

# ---------------------------------------------------------------- Python's zlib
cat > "$T_TMP/zclient.py" <<'PY'
import os, re, socket, ssl, sys, time, zlib
port, md, uid, tls = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["tls"]
s = socket.create_connection(("127.0.0.1", port), timeout=15)
buf = b""
z = None  # (compressor, decompressor) once COMPRESS is on

def more():
    global buf
    data = s.recv(65536)
    if not data:
        raise SystemExit("connection closed; have %r" % buf[-200:])
    buf += z[1].decompress(data) if z else data

def line():
    global buf
    while b"\r\n" not in buf:
        more()
    l, buf = buf.split(b"\r\n", 1)
    return l

def response():
    global buf
    r = line()
    while True:
        m = re.search(rb"\{(\d+)\}$", r)
        if not m:
            return r
        n = int(m.group(1))
        while len(buf) < n:
            more()
        r += b"\r\n" + buf[:n]
        buf = buf[n:]
        r += line()

def send(data):
    if z:
        data = z[0].compress(data) + z[0].flush(zlib.Z_SYNC_FLUSH)
    s.sendall(data)

def until(tag):
    out = []
    while True:
        r = response()
        if r.startswith(tag + b" "):
            return out, r
        out.append(r)

def cmd(tag, text):
    send(tag + b" " + text + b"\r\n")
    return until(tag)

print("greeting", response().decode())
if tls:
    _, r = cmd(b"s", b"STARTTLS")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(s)
    print("starttls", r.decode(), s.version())
_, r = cmd(b"a", b"LOGIN joe Cz.pw52")
print("login", r.decode())
print("offered", b"COMPRESS=DEFLATE" in r)
_, r = cmd(b"b", b"COMPRESS DEFLATE")
print("compress", r.decode())
z = (zlib.compressobj(6, zlib.DEFLATED, -15), zlib.decompressobj(-15))
rest, buf = buf, b""
buf = z[1].decompress(rest)
u, r = cmd(b"c", b"SELECT INBOX")
print("select", r.decode(), [x.decode() for x in u if x.endswith(b"EXISTS")])
u, r = cmd(b"d", b"UID SEARCH HEADER Message-ID <big@compress.test>")
uid_big = u[0].split()[-1]
u, r = cmd(b"e", b"UID FETCH " + uid_big + b" BODY.PEEK[]")
body = u[0].split(b"}\r\n", 1)[1][:-1]
want = open([os.path.join(md, "cur", n) for n in os.listdir(os.path.join(md, "cur")) if ".big" in n][0], "rb").read()
print("big body", r.decode(), "same:", body == want.replace(b"\n", b"\r\n"), "size:", len(body))
# pipelined: twenty commands in one compressed write, answered in order
send(b"".join(b"p%d NOOP\r\n" % i for i in range(20)))
tags = [until(b"p%d" % i)[1].split(b" ")[0] for i in range(20)]
print("pipelined", tags == [b"p%d" % i for i in range(20)])
# IDLE while an MTA delivers (tmp/, then new/)
send(b"f IDLE\r\n")
print("idle", response().decode())
time.sleep(0.3)
name = "%d.M1P%dQ1.compress" % (int(time.time()), os.getpid())
with open(os.path.join(md, "tmp", name), "wb") as f:
    f.write(b"From: mta@example.org\nSubject: during idle\n\nhello\n")
os.chown(os.path.join(md, "tmp", name), uid, uid)
os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
t = time.time()
while True:
    r = response()
    if r.endswith(b" EXISTS"):
        print("told", r.decode(), "within 5s:", time.time() - t < 5)
        break
send(b"DONE\r\n")
print("done", until(b"f")[1].decode())
_, r = cmd(b"g", b"COMPRESS DEFLATE")
print("again", r.decode())
u, r = cmd(b"h", b"LOGOUT")
print("logout", [x.decode() for x in u], r.decode())
PY
timeout 40 "$PYTHON" "$T_TMP/zclient.py" "$PORT" "$MD" "$UID_joe" > "$T_TMP/z.out" 2>&1
expect_eq "$?" 0 "python zlib client ran to its end"
show "$T_TMP/z.out"
expect "$T_TMP/z.out" '^offered True$' "COMPRESS=DEFLATE in the LOGIN reply's capabilities (RFC 4978 section 1)"
expect "$T_TMP/z.out" '^compress b OK DEFLATE active$' "COMPRESS DEFLATE answered OK (RFC 4978 section 3)"
expect "$T_TMP/z.out" '^select c OK \[READ-WRITE\]' "SELECT over the compressed stream"
expect "$T_TMP/z.out" '^big body e OK .* same: True size: 1[0-9]{6}$' "a 1.5 MB body fetched whole through DEFLATE"
expect "$T_TMP/z.out" '^pipelined True$' "twenty pipelined commands answered in order (RFC 3501 5.5)"
expect "$T_TMP/z.out" '^told \* 5 EXISTS within 5s: True$' "mail delivered during IDLE told at once (RFC 2177), compressed"
expect "$T_TMP/z.out" '^done f OK IDLE terminated$' "compressed DONE ends IDLE"
expect "$T_TMP/z.out" '^again g NO \[COMPRESSIONACTIVE\]' "a second COMPRESS refused with COMPRESSIONACTIVE"
expect "$T_TMP/z.out" "^logout \['\* BYE .*'\] h OK" "LOGOUT through the compressed stream"
# the session's byte counts are the wire's: the 1.5 MB body went out in far fewer bytes
wait_file_match "$LOGFILE" 'logout user=joe in=' 10
out=$(sed -n 's/.*logout user=joe in=[0-9]* out=\([0-9]*\).*/\1/p' "$LOGFILE" | head -n1)
note "bytes written to the client: ${out:-none}"
if [ -n "$out" ] && [ "$out" -lt 700000 ]; then
	pass "the session wrote $out bytes for a body of over 1.5 MB: it was compressed"
else
	fail "the session wrote ${out:-?} bytes: not compressed?"
fi

# ---------------------------------------------------------------- under TLS
# RFC 4978 section 3: compressed first, then encrypted. Under UCSPI-TLS (tests/bin/ucspitls
# for sslserver -n, as in 11-starttls.t) the serve role's descriptors already carry TLS,
# so DEFLATE goes inside it: the same client after STARTTLS.
make_cert
TLSPORT=$(free_port)
bg env -u IMAPD_PLAINTEXT IMAPD_FAILDELAY=0 CHECKPASSWORD_TEST_USERS="$USERS" \
	tcpserver -v -R -H -l0 127.0.0.1 "$TLSPORT" \
	"$BIN/ucspitls" "$CERT" "$KEY" \
	"$IMAPD" login "$BIN/checkpassword-test" "$IMAPD" serve \
	> "$T_TMP/tls-server.log" 2>&1 < /dev/null
wait_port "$TLSPORT" 10 || { fail "tcpserver (TLS) not listening"; show "$T_TMP/tls-server.log"; exit 1; }
timeout 40 "$PYTHON" "$T_TMP/zclient.py" "$TLSPORT" "$MD" "$UID_joe" tls > "$T_TMP/zt.out" 2>&1
expect_eq "$?" 0 "python zlib client over STARTTLS ran to its end"
show "$T_TMP/zt.out"
expect "$T_TMP/zt.out" '^starttls s OK .* TLSv1\.[23]$' "STARTTLS negotiated TLS"
expect "$T_TMP/zt.out" '^compress b OK DEFLATE active$' "COMPRESS inside TLS answered OK"
expect "$T_TMP/zt.out" '^big body e OK .* same: True size: 1[0-9]{6}$' "the 1.5 MB body whole through DEFLATE inside TLS"
expect "$T_TMP/zt.out" '^told \* 6 EXISTS within 5s: True$' "IDLE told of a delivery through DEFLATE inside TLS"
expect "$T_TMP/zt.out" "^logout \['\* BYE .*'\] h OK" "LOGOUT through DEFLATE inside TLS"

# ---------------------------------------------------------------- mbsync
command -v mbsync > /dev/null || skip_all "mbsync (isync) is not installed"
LOCAL=$T_TMP/local
mkdir -p "$LOCAL"
cat > "$T_TMP/mbsyncrc" <<RC
IMAPAccount imapd
Host 127.0.0.1
Port $PORT
User joe
Pass Cz.pw52
SSLType None
AuthMechs LOGIN
Timeout 20

IMAPStore remote
Account imapd

MaildirStore local
Path $LOCAL/
Inbox $LOCAL/INBOX
SubFolders Verbatim

Channel inbox
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
RC
timeout 40 mbsync -Dn -c "$T_TMP/mbsyncrc" -a > "$T_TMP/mbsync.out" 2>&1
expect_eq "$?" 0 "mbsync -Dn exit status"
grep -E 'COMPRESS|DEFLATE|^\* [0-9]+ EXISTS|OK .*completed' "$T_TMP/mbsync.out" | head -n 12 > "$T_TMP/mbsync.log"
show "$T_TMP/mbsync.log"
expect "$T_TMP/mbsync.out" '>>> [0-9]+ COMPRESS DEFLATE' "mbsync sent COMPRESS DEFLATE"
expect "$T_TMP/mbsync.out" '^[0-9]+ OK DEFLATE active$' "imapd answered it OK"
expect_order "$T_TMP/mbsync.out" 'OK DEFLATE active' 'EXISTS' "the sync went on after COMPRESS (SELECT's EXISTS came later)"
n=$(find "$LOCAL/INBOX/cur" "$LOCAL/INBOX/new" -type f | wc -l)
expect_eq "$n" 6 "mbsync pulled all 6 messages through the compressed stream"
big=$(grep -l '^Message-ID: <big@compress.test>' "$LOCAL"/INBOX/*/* | head -n1)
# mbsync adds its X-TUID header line to what it stores, and nothing else
if [ -n "$big" ] && grep -v '^X-TUID: ' "$big" | cmp -s - "$(ls "$MD"/cur/*big*)"; then
	pass "the large message arrived byte for byte (but for mbsync's X-TUID line)"
else
	fail "the large message differs after the compressed sync"
fi

# ---------------------------------------------------------------- mutt
# mutt 2 compresses when `imap_deflate` is set: in tmux it lists INBOX and opens the large
# message, and its debug log (-d 2) shows the COMPRESS exchange.
command -v mutt > /dev/null && command -v tmux > /dev/null || skip_all "no mutt or no tmux"
TMUX_SOCK=$T_TMP/tmux.sock
tm() { tmux -S "$TMUX_SOCK" "$@"; }
trap 'rc=$?; tmux -S "$TMUX_SOCK" kill-server > /dev/null 2>&1; (exit $rc); cleanup' EXIT
MUTTHOME=$T_TMP/mutthome
mkdir -p "$MUTTHOME"
cat > "$T_TMP/muttrc" <<RC
set folder="imap://joe:Cz.pw52@127.0.0.1:$PORT/"
set spoolfile="+INBOX"
set imap_deflate=yes
set ssl_starttls=no
set ssl_force_tls=no
set header_cache=
set message_cachedir=
set quit=yes
set move=no
set mark_old=no
set wait_key=no
set pager_stop=yes
set timeout=3600
set mail_check=3600
RC
# wait_screen ERE: the pane shows a line matching ERE within 15 s (left in $T_TMP/screen)
wait_screen() {
	local i
	for ((i = 0; i < 150; i++)); do
		tm capture-pane -p -t mutt > "$T_TMP/screen" 2> /dev/null
		grep -Eq -- "$1" "$T_TMP/screen" && return 0
		sleep 0.1
	done
	return 1
}
mutt_step() {
	if wait_screen "$1"; then pass "$2"; else fail "$2"; show "$T_TMP/screen"; fi
}
tm -u -f /dev/null new-session -d -s mutt -x 200 -y 50 \
	"env HOME=$MUTTHOME LANG=C.UTF-8 TERM=screen mutt -n -F $T_TMP/muttrc -d 2; echo \$? > $T_TMP/mutt.rc" \
	|| fail "tmux new-session"
mutt_step ' big *$' "mutt lists INBOX through the compressed stream, the large message among them"
tm send-keys -t mutt / '~s big' Enter
sleep 0.5
tm send-keys -t mutt Enter
mutt_step 'line 0 of a long body, 0' "mutt shows the large message's body"
tm send-keys -t mutt q q
wait_file_match "$T_TMP/mutt.rc" '^[0-9]+$' 10 || tm kill-session -t mutt 2> /dev/null
expect_eq "$(cat "$T_TMP/mutt.rc" 2> /dev/null)" 0 "mutt exit status"
cat "$MUTTHOME"/.muttdebug* 2> /dev/null | grep -E 'COMPRESS|DEFLATE' | cut -c1-160 > "$T_TMP/mutt.log"
show "$T_TMP/mutt.log"
expect "$T_TMP/mutt.log" '> [a-z0-9]+ COMPRESS DEFLATE' "mutt sent COMPRESS DEFLATE"
expect "$T_TMP/mutt.log" '< [a-z0-9]+ OK DEFLATE active' "imapd answered it OK"
