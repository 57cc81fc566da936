#!/usr/bin/env bash
# mbsync (isync) against the real service: a full two-way sync between a local Maildir
# (MaildirStore, SubFolders Verbatim) and imapd, over a folder tree INBOX, Sent, A, A.B
# (plus folders each side creates for the other), with flags on both sides, new messages
# on both sides and expunges on both sides (Expunge Both); then a sync that must change
# nothing.  After each sync both sides must hold the same messages (by Message-ID) with
# the same flags: the local tree is read from disk, imapd's through IMAP and from disk.
. "$(dirname "$0")/lib.sh"

command -v mbsync > /dev/null || skip_all "mbsync (isync) is not installed"

make_service
add_user joe 'Mb.pw25'
MD=$HOME_joe/MAILDIR.IMAP
LOCAL=$T_TMP/local
MBOX_DEBUG=${MBOX_DEBUG:-}

# server side: INBOX (4 messages, 2 \Seen), Sent (2, both \Seen), A (3, none), A.B (2, 1)
timeout 30 "$BIN/mkmaildir" "$MD" 4 2 || fail "mkmaildir INBOX"
timeout 30 "$BIN/mkmaildir" "$MD/.Sent" 2 2 || fail "mkmaildir Sent"
timeout 30 "$BIN/mkmaildir" "$MD/.A" 3 0 || fail "mkmaildir A"
timeout 30 "$BIN/mkmaildir" "$MD/.A.B" 2 1 || fail "mkmaildir A.B"
touch "$MD/.Sent/maildirfolder" "$MD/.A/maildirfolder" "$MD/.A.B/maildirfolder"
chown -R "$UID_joe:$UID_joe" "$MD"
start_service

# local side: INBOX (2 messages, 1 \Seen), A (1), and a local-only folder A/L (1)
mkdir -p "$LOCAL"
timeout 30 "$BIN/mkmaildir" "$LOCAL/INBOX" 2 1 || fail "mkmaildir local INBOX"
timeout 30 "$BIN/mkmaildir" "$LOCAL/A" 1 0 || fail "mkmaildir local A"
timeout 30 "$BIN/mkmaildir" "$LOCAL/A/L" 1 1 || fail "mkmaildir local A/L"

RC_FILE=$T_TMP/mbsyncrc
cat > "$RC_FILE" <<RC
IMAPAccount imapd
Host 127.0.0.1
Port $PORT
User joe
Pass Mb.pw25
SSLType None
AuthMechs LOGIN
Timeout 20

IMAPStore remote
Account imapd

MaildirStore local
Path $LOCAL/
Inbox $LOCAL/INBOX
SubFolders Verbatim

Channel both
Far :remote:
Near :local:
Patterns *
Sync All
Create Both
Remove None
Expunge Both
CopyArrivalDate yes
SyncState *
RC

# sync: one mbsync run (lib.sh's mbsync_run: $SYNC_OUT, $SYNC_RC, $COUNTERS)
sync() {
	mbsync_run "$RC_FILE"
	note "mbsync run $SYNC_N: exit ${SYNC_RC:-none}; $COUNTERS"
}

# sync_ok WHAT: mbsync exited 0 and said nothing alarming
sync_ok() {
	expect_eq "${SYNC_RC:-none}" 0 "$1: mbsync exit status"
	mbsync_trouble > "$SYNC_OUT.bad"
	if [ -s "$SYNC_OUT.bad" ]; then
		fail "$1: mbsync complained"; show "$SYNC_OUT.bad"
	else
		pass "$1: mbsync reported no error or warning"
	fi
	if [ "${SYNC_RC:-none}" != 0 ] || [ -s "$SYNC_OUT.bad" ]; then note "mbsync -V output:"; show "$SYNC_OUT"; fi
}

# states N: both sides' messages (FOLDER MESSAGE-ID FLAGS), local from disk, imapd's
# through IMAP and from its Maildir; all three must be equal.
states() {
	timeout 20 "$BIN/mailstate" verbatim "$LOCAL" "$LOCAL/INBOX" > "$T_TMP/local.$1" 2> "$T_TMP/local.$1.err" \
		|| { fail "mailstate of the local Maildir"; show "$T_TMP/local.$1.err"; }
	timeout 30 "$BIN/mailstate" imap 127.0.0.1 "$PORT" joe 'Mb.pw25' > "$T_TMP/imap.$1" 2> "$T_TMP/imap.$1.err" \
		|| { fail "mailstate through IMAP"; show "$T_TMP/imap.$1.err"; }
	timeout 20 "$BIN/mailstate" maildirpp "$MD" > "$T_TMP/disk.$1" 2> "$T_TMP/disk.$1.err" \
		|| { fail "mailstate of imapd's Maildir"; show "$T_TMP/disk.$1.err"; }
}

# same A B WHAT: two state files are equal (else show the diff)
same() {
	if diff -u "$1" "$2" > "$T_TMP/diff.out"; then
		pass "$3"
	else
		fail "$3"; show "$T_TMP/diff.out"
	fi
}

# snapshot DIR: every file under DIR with its content's checksum (what a no-op sync
# must leave alone: message files, their names, mbsync's and imapd's state files)
snapshot() {
	(cd "$1" && find . -type f ! -name '*.lock' ! -name 'imapd.*' -print0 | sort -z | xargs -0r sha1sum)
}

# ---------------------------------------------------------------- server-side flags
# set through imapd before the first sync: INBOX 3 \Flagged, A 1 \Answered
cat > "$T_TMP/preflags.py" <<'PY'
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=15)
M.login("joe", "Mb.pw25")
for box, seq, fl in (("INBOX", "3", r"(\Flagged)"), ("A", "1", r"(\Answered)")):
    M.select(box)
    typ, data = M.store(seq, "+FLAGS", fl)
    print(box, typ)
M.logout()
PY
timeout 30 "$PYTHON" "$T_TMP/preflags.py" "$PORT" > "$T_TMP/preflags.out" 2>&1
expect_eq "$(grep -c ' OK$' "$T_TMP/preflags.out")" 2 "server-side flags set through imapd before the first sync"
# local flags: INBOX message 2 \Flagged \Seen (it is unseen), A/L's message answered
f=$(ls "$LOCAL/INBOX/cur" | sort | sed -n 2p); mv "$LOCAL/INBOX/cur/$f" "$LOCAL/INBOX/cur/${f%:2,*}:2,FS"
f=$(ls "$LOCAL/A/L/cur" | sort | sed -n 1p); mv "$LOCAL/A/L/cur/$f" "$LOCAL/A/L/cur/${f%:2,*}:2,RS"

timeout 20 "$BIN/mailstate" verbatim "$LOCAL" "$LOCAL/INBOX" > "$T_TMP/local.0"
timeout 20 "$BIN/mailstate" maildirpp "$MD" > "$T_TMP/disk.0"
sort -u "$T_TMP/local.0" "$T_TMP/disk.0" > "$T_TMP/want.1"

# ================================================================= sync 1: the first
sync
sync_ok "first sync"
expect_eq "$(wc -l < "$T_TMP/want.1")" 15 "15 messages to start with (11 on imapd, 4 local)"
case $COUNTERS in
*'F: +4/4 '*'N: +11/11 '*) pass "first sync: 4 messages up to imapd, 11 down (counters: $COUNTERS)" ;;
*) fail "first sync counters: '$COUNTERS', want F: +4/4 and N: +11/11" ;;
esac
states 1
same "$T_TMP/want.1" "$T_TMP/local.1" "after the first sync the local Maildir holds every message with its flags"
same "$T_TMP/want.1" "$T_TMP/imap.1" "after the first sync imapd serves every message with its flags"
same "$T_TMP/imap.1" "$T_TMP/disk.1" "what imapd serves is what its Maildir holds"
[ -d "$MD/.A.L/cur" ] && [ -f "$MD/.A.L/maildirfolder" ] && pass "mbsync's CREATE of A.L made the Maildir++ folder .A.L" \
	|| fail "no Maildir++ folder .A.L on the server after the sync (ls: $(ls -a "$MD" | tr '\n' ' '))"

# ================================================================= changes on both sides
# Each change script prints what it did as records for the expected state:
#   new FOLDER MESSAGE-ID FLAGS | gone FOLDER MESSAGE-ID | flags FOLDER MESSAGE-ID FLAGS
# imapd's side, through imapd sessions and an MTA-style delivery:
cat > "$T_TMP/server-changes.py" <<'PY'
import imaplib, os, re, socket, sys, time
port, md, uid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
L = {b"\\draft": "D", b"\\flagged": "F", b"\\answered": "R", b"\\seen": "S", b"\\deleted": "T"}
def letters(text):
    m = re.search(rb"FLAGS \(([^)]*)\)", text)
    return "".join(sorted(L[f.lower()] for f in m.group(1).split() if f.lower() in L))
def mids(M):
    typ, d = M.fetch("1:*", "(BODY.PEEK[])")
    out = []
    for p in d:
        if isinstance(p, tuple):
            m = re.search(rb"(?im)^message-id:\s*(\S+)", p[1])
            out.append(m.group(1).decode())
    return out
def store(M, box, seq, op, fl):
    typ, d = M.store(seq, op, fl)
    if typ != "OK":
        raise SystemExit("STORE %s %s: %s %s" % (box, seq, typ, d))
    return letters(b" ".join(x for x in d if isinstance(x, bytes)))
M = imaplib.IMAP4("127.0.0.1", port, timeout=15)
M.login("joe", "Mb.pw25")
# 1. an MTA delivers into INBOX: tmp/, then rename into new/ (DESIGN.md section 3)
body = b"From: mta@example.org\nSubject: delivered between syncs\nMessage-ID: <srv-new1@mbsync.test>\n\nhello\n"
t = time.time()
name = "%d.M%dP%dQ1.%s,S=%d,W=%d" % (int(t), int(t % 1 * 1e6), os.getpid(), socket.gethostname(), len(body), len(body) + body.count(b"\n"))
with open(os.path.join(md, "tmp", name), "wb") as f:
    f.write(body); f.flush(); os.fsync(f.fileno())
os.chown(os.path.join(md, "tmp", name), uid, uid)
os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
print("new INBOX <srv-new1@mbsync.test> ")
# 2. a client APPENDs into A.B with \Seen and a date
msg = b"From: joe@example.net\r\nSubject: appended between syncs\r\nMessage-ID: <srv-new2@mbsync.test>\r\n\r\nbody\r\n"
typ, d = M.append("A.B", r"(\Seen)", '"02-Feb-2021 10:00:00 +0100"', msg)
assert typ == "OK", d
print("new A/B <srv-new2@mbsync.test> S")
# 3. flags: INBOX 1 loses \Seen; Sent 1 gains \Flagged
M.select("INBOX"); ids = mids(M)
print("flags INBOX %s %s" % (ids[0], store(M, "INBOX", "1", "-FLAGS", r"(\Seen)")))
M.select("Sent"); ids = mids(M)
print("flags Sent %s %s" % (ids[0], store(M, "Sent", "1", "+FLAGS", r"(\Flagged)")))
# 4. expunged on imapd: A 2 (RFC 3501 6.4.3)
M.select("A"); ids = mids(M)
store(M, "A", "2", "+FLAGS", r"(\Deleted)")
typ, d = M.expunge()
assert typ == "OK" and d == [b"2"], (typ, d)
print("gone A %s" % ids[1])
# 5. marked \Deleted on imapd but not expunged: A.B 1 (Expunge Both removes it)
M.select("A.B"); ids = mids(M)
store(M, "A.B", "1", "+FLAGS", r"(\Deleted)")
print("gone A/B %s" % ids[0])
M.logout()
PY

# the local side, the way a mail reader changes a Maildir (rename, unlink, deliver)
cat > "$T_TMP/local-changes.py" <<'PY'
import os, re, sys, time
top, avoid = sys.argv[1], set(sys.argv[2:])
def mid(path):
    with open(path, "rb") as f:
        m = re.search(rb"(?im)^message-id:\s*(\S+)", f.read())
    return m.group(1).decode()
# messages as (sub/name, Message-ID); mbsync leaves unseen ones in new/
def files(folder):
    out = []
    for sub in ("cur", "new"):
        d = os.path.join(top, folder, sub)
        out += [(sub + "/" + n, mid(os.path.join(d, n))) for n in sorted(os.listdir(d))]
    return out
def pick(folder, skip=()):
    for n, m in files(folder):
        if m not in avoid and m not in skip:
            return n, m
    raise SystemExit("nothing to pick in " + folder)
def setflags(folder, n, fl):
    d = os.path.join(top, folder)
    new = "cur/" + n.split("/", 1)[1].split(":2,")[0] + ":2," + "".join(sorted(fl))
    os.rename(os.path.join(d, n), os.path.join(d, new))
def flags(n):
    return n.split(":2,")[1] if ":2," in n else ""
def deliver(folder, sub, body, info):
    t = time.time()
    name = "%d.M%dP%dQ7.localhost" % (int(t), int(t % 1 * 1e6), os.getpid())
    tmp = os.path.join(top, folder, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(body); f.flush(); os.fsync(f.fileno())
    os.rename(tmp, os.path.join(top, folder, sub, name + info))
# 1. new local messages: A (in new/, no flags) and Sent (in cur/, seen)
deliver("A", "new", b"From: joe@example.net\nSubject: written locally\nMessage-ID: <loc-new1@mbsync.test>\n\nlocal\n", "")
print("new A <loc-new1@mbsync.test> ")
deliver("Sent", "cur", b"From: joe@example.net\nSubject: sent locally\nMessage-ID: <loc-new2@mbsync.test>\n\nsent\n", ":2,S")
print("new Sent <loc-new2@mbsync.test> S")
# 2. flags: an INBOX message answered; A/L's message unseen
n, m = pick("INBOX"); fl = set(flags(n)) | {"R"}; setflags("INBOX", n, fl)
print("flags INBOX %s %s" % (m, "".join(sorted(fl))))
touched = {m}
n, m = pick("A/L"); fl = set(flags(n)) - {"S"}; setflags("A/L", n, fl)
print("flags A/L %s %s" % (m, "".join(sorted(fl))))
# 3. deleted locally: an INBOX message marked T (trashed), an A/B message unlinked
n, m = pick("INBOX", touched); setflags("INBOX", n, set(flags(n)) | {"T"})
print("gone INBOX %s" % m)
n, m = pick("A/B"); os.unlink(os.path.join(top, "A/B", n))
print("gone A/B %s" % m)
PY

timeout 30 "$PYTHON" "$T_TMP/server-changes.py" "$PORT" "$MD" "$UID_joe" > "$T_TMP/changes" 2> "$T_TMP/server-changes.err"
expect_eq "$?" 0 "changes made on imapd's side"
[ -s "$T_TMP/server-changes.err" ] && show "$T_TMP/server-changes.err"
# the local script leaves alone the messages imapd's side just touched
timeout 30 "$PYTHON" "$T_TMP/local-changes.py" "$LOCAL" $(awk '{print $3}' "$T_TMP/changes") >> "$T_TMP/changes" 2> "$T_TMP/local-changes.err"
expect_eq "$?" 0 "changes made on the local side"
[ -s "$T_TMP/local-changes.err" ] && show "$T_TMP/local-changes.err"
note "changes:"; show "$T_TMP/changes"
expect_eq "$(wc -l < "$T_TMP/changes")" 12 "12 changes made (4 new, 4 flag changes, 4 deletions)"

# the expected state: the first sync's, with the changes applied
"$PYTHON" - "$T_TMP/want.1" "$T_TMP/changes" > "$T_TMP/want.2" <<'PY'
import sys
rows = {}
for l in open(sys.argv[1]):
    f, m, fl = l.rstrip("\n").split("\t")
    rows[(f, m)] = fl
for l in open(sys.argv[2]):
    p = l.rstrip("\n").split(" ")
    if p[0] == "gone":
        del rows[(p[1], p[2])]
    else:
        if p[0] == "flags":
            assert (p[1], p[2]) in rows, l
        rows[(p[1], p[2])] = p[3]
for (f, m), fl in sorted(rows.items()):
    print("%s\t%s\t%s" % (f, m, fl))
PY

# ================================================================= sync 2: both ways
sync
sync_ok "second sync"
case $COUNTERS in
*'F: +2/2 '*'N: +2/2 '*) pass "second sync: 2 new messages each way (counters: $COUNTERS)" ;;
*) fail "second sync counters: '$COUNTERS', want F: +2/2 and N: +2/2" ;;
esac
states 2
same "$T_TMP/want.2" "$T_TMP/local.2" "after the second sync the local Maildir holds exactly the expected messages and flags"
same "$T_TMP/want.2" "$T_TMP/imap.2" "after the second sync imapd serves exactly the expected messages and flags"
same "$T_TMP/imap.2" "$T_TMP/disk.2" "what imapd serves is what its Maildir holds"
expect_not "$T_TMP/imap.2" $'\t[A-Z]*T' "no \\Deleted message left on imapd (Expunge Both)"
expect_not "$T_TMP/local.2" $'\t[A-Z]*T' "no trashed message left in the local Maildir (Expunge Both)"

# ================================================================= sync 3: nothing to do
snapshot "$MD" > "$T_TMP/snap.server.before"
snapshot "$LOCAL" > "$T_TMP/snap.local.before"
sync
sync_ok "third sync"
case $COUNTERS in
*'F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0'*) pass "third sync changed nothing (counters: $COUNTERS)" ;;
*) fail "third sync counters: '$COUNTERS', want F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0" ;;
esac
snapshot "$MD" > "$T_TMP/snap.server.after"
snapshot "$LOCAL" > "$T_TMP/snap.local.after"
same "$T_TMP/snap.server.before" "$T_TMP/snap.server.after" "the third sync left every file of imapd's Maildir as it was (names, so flags; contents; uidlists)"
same "$T_TMP/snap.local.before" "$T_TMP/snap.local.after" "the third sync left every file of the local Maildir as it was (names, contents, .mbsyncstate)"
states 3
same "$T_TMP/want.2" "$T_TMP/local.3" "after the third sync the local Maildir still holds the expected messages"
same "$T_TMP/want.2" "$T_TMP/imap.3" "after the third sync imapd still serves the expected messages"
