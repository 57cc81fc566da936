#!/usr/bin/env bash
# offlineimap (offlineimap3) against the real service: a two-way sync between a local
# Maildir (type Maildir, sep = .) and imapd over a folder tree INBOX, Sent, A, A.B with
# flags on the server, then new messages, flag changes and deletions on both sides, a
# second sync, and a third sync that must change nothing.  After each sync both sides
# must hold the same messages (by Message-ID) with the same flags: the local tree is
# read from disk, imapd's through IMAP and from its Maildir.
. "$(dirname "$0")/lib.sh"

OFFLINEIMAP=$(command -v offlineimap3 || command -v offlineimap)
if [ -z "$OFFLINEIMAP" ]; then
	if [ "$(id -u)" = 0 ]; then
		note "installing offlineimap3"
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q offlineimap3 > "$T_TMP/apt.out" 2>&1
		OFFLINEIMAP=$(command -v offlineimap3 || command -v offlineimap)
	fi
	[ -n "$OFFLINEIMAP" ] || skip_all "offlineimap (Debian package offlineimap3) is not installed and cannot be installed here"
fi

make_service
PW='Oi.pw28'
add_user joe "$PW"
MD=$HOME_joe/MAILDIR.IMAP
LOCAL=$T_TMP/local

# server side: INBOX (4 messages, 2 \Seen), Sent (2, both \Seen), A (3, none), A.B (2, 1)
timeout 30 "$BIN/mkmaildir" "$MD" 4 2 || fail "mkmaildir INBOX"
timeout 30 "$BIN/mkmaildir" "$MD/.Sent" 2 2 || fail "mkmaildir Sent"
timeout 30 "$BIN/mkmaildir" "$MD/.A" 3 0 || fail "mkmaildir A"
timeout 30 "$BIN/mkmaildir" "$MD/.A.B" 2 1 || fail "mkmaildir A.B"
touch "$MD/.Sent/maildirfolder" "$MD/.A/maildirfolder" "$MD/.A.B/maildirfolder"
chown -R "$UID_joe:$UID_joe" "$MD"
start_service

# local side: one message of its own in INBOX, \Seen (offlineimap uploads it)
mkdir -p "$LOCAL"
timeout 30 "$BIN/mkmaildir" "$LOCAL/INBOX.tmp" 1 1 || fail "mkmaildir local INBOX"
# (made in a scratch directory, then copied with a Message-ID of its own)
mkdir -p "$LOCAL/INBOX/cur" "$LOCAL/INBOX/new" "$LOCAL/INBOX/tmp"
f=$(ls "$LOCAL/INBOX.tmp/cur")
sed 's/^Message-ID:.*/Message-ID: <loc-first@offlineimap.test>/I' "$LOCAL/INBOX.tmp/cur/$f" > "$LOCAL/INBOX/cur/$f"
rm -rf "$LOCAL/INBOX.tmp"
grep -qi '^Message-ID: <loc-first@offlineimap.test>' "$LOCAL/INBOX/cur/$f" || fail "local first message"

CONF=$T_TMP/offlineimaprc
cat > "$CONF" <<CONF
[general]
accounts = t
metadata = $T_TMP/oimeta
ui = basic
maxsyncaccounts = 1

[Account t]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = $LOCAL
sep = .

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = $PORT
ssl = no
starttls = no
remoteuser = joe
remotepass = $PW
maxconnections = 1
holdconnectionopen = no
timeout = 20
CONF

SYNC_N=0
# sync: one offlineimap -o run (bounded); output in $SYNC_OUT, status in $SYNC_RC
sync() {
	SYNC_OUT=$T_TMP/offlineimap.$((++SYNC_N))
	HOME=$T_TMP timeout 60 "$OFFLINEIMAP" -c "$CONF" -o -u basic < /dev/null > "$SYNC_OUT" 2>&1
	SYNC_RC=$?
	note "offlineimap run $SYNC_N: exit $SYNC_RC"
}

# sync_ok WHAT: offlineimap exited 0 and reported no error or warning
sync_ok() {
	expect_eq "$SYNC_RC" 0 "$1: offlineimap exit status"
	# (its banner says "with an OpenSSL exception": that line is no complaint)
	grep -Ei 'error|warn|exception|traceback|abort|unexpected|fail|BAD|NO \[|uidvalidity' "$SYNC_OUT" \
		| grep -v 'Licensed under the GNU GPL' > "$SYNC_OUT.bad"
	if [ -s "$SYNC_OUT.bad" ]; then
		fail "$1: offlineimap complained"; show "$SYNC_OUT.bad"
	else
		pass "$1: offlineimap reported no error or warning"
	fi
	if [ "$SYNC_RC" != 0 ] || [ -s "$SYNC_OUT.bad" ]; then note "offlineimap output:"; show "$SYNC_OUT"; fi
}

# actions: what offlineimap -u basic says it did, one line each (copies, deletions, flags)
actions() { grep -E '^(Copy message|Deleting|Adding flag)' "$SYNC_OUT"; }
# nact ERE: how many of those lines match
nact() { actions | grep -cE -- "$1"; }

# states N: both sides' messages (FOLDER MESSAGE-ID FLAGS); the local tree has folder
# A.B as the directory $LOCAL/A.B (sep = .), shown as A/B like mailstate does
states() {
	timeout 20 "$BIN/mailstate" verbatim "$LOCAL" "$LOCAL/INBOX" 2> "$T_TMP/local.$1.err" \
		| awk -F '\t' -v OFS='\t' '{ gsub(/\./, "/", $1); print }' | LC_ALL=C sort > "$T_TMP/local.$1"
	[ "${PIPESTATUS[0]}" = 0 ] || { fail "mailstate of the local Maildir"; show "$T_TMP/local.$1.err"; }
	timeout 30 "$BIN/mailstate" imap 127.0.0.1 "$PORT" joe "$PW" 2> "$T_TMP/imap.$1.err" | LC_ALL=C sort > "$T_TMP/imap.$1"
	[ "${PIPESTATUS[0]}" = 0 ] || { fail "mailstate through IMAP"; show "$T_TMP/imap.$1.err"; }
	timeout 20 "$BIN/mailstate" maildirpp "$MD" 2> "$T_TMP/disk.$1.err" | LC_ALL=C sort > "$T_TMP/disk.$1"
	[ "${PIPESTATUS[0]}" = 0 ] || { fail "mailstate of imapd's Maildir"; show "$T_TMP/disk.$1.err"; }
}

# same A B WHAT: two state files are equal (else show the diff)
same() {
	if diff -u "$1" "$2" > "$T_TMP/diff.out"; then
		pass "$3"
	else
		fail "$3"; show "$T_TMP/diff.out"
	fi
}

# snapshot DIR: every file under DIR with its content's checksum
snapshot() {
	(cd "$1" && find . -type f ! -name '*.lock' ! -name 'imapd.*' -print0 | sort -z | xargs -0r sha1sum)
}

# ---------------------------------------------------------------- server-side flags
# set through imapd before the first sync: INBOX 3 \Flagged, A 1 \Answered \Flagged
cat > "$T_TMP/preflags.py" <<'PY'
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=15)
M.login("joe", sys.argv[2])
for box, seq, fl in (("INBOX", "3", r"(\Flagged)"), ("A", "1", r"(\Answered \Flagged)")):
    M.select(box)
    typ, data = M.store(seq, "+FLAGS", fl)
    print(box, typ)
M.logout()
PY
timeout 30 "$PYTHON" "$T_TMP/preflags.py" "$PORT" "$PW" > "$T_TMP/preflags.out" 2>&1
expect_eq "$(grep -c ' OK$' "$T_TMP/preflags.out")" 2 "server-side flags set through imapd before the first sync"

timeout 20 "$BIN/mailstate" verbatim "$LOCAL" "$LOCAL/INBOX" > "$T_TMP/local.0"
timeout 20 "$BIN/mailstate" maildirpp "$MD" > "$T_TMP/disk.0"
LC_ALL=C sort -u "$T_TMP/local.0" "$T_TMP/disk.0" > "$T_TMP/want.1"
expect_eq "$(wc -l < "$T_TMP/want.1")" 12 "12 messages to start with (11 on imapd, 1 local)"

# ================================================================= sync 1: the first
sync
sync_ok "first sync"
expect_eq "$(nact '^Copy message .* remote:[^ ]+ -> local:')" 11 "first sync: 11 messages copied from imapd"
expect_eq "$(nact '^Copy message .* local:INBOX -> remote:INBOX$')" 1 "first sync: 1 message copied up to imapd's INBOX"
expect_eq "$(actions | wc -l)" 12 "first sync: nothing but those 12 copies"
states 1
same "$T_TMP/want.1" "$T_TMP/local.1" "after the first sync the local Maildir holds every message with its flags"
same "$T_TMP/want.1" "$T_TMP/imap.1" "after the first sync imapd serves every message with its flags"
same "$T_TMP/imap.1" "$T_TMP/disk.1" "what imapd serves is what its Maildir holds"
for d in INBOX Sent A A.B; do
	[ -d "$LOCAL/$d/cur" ] || fail "no local Maildir $LOCAL/$d after the first sync"
done

# ================================================================= changes on both sides
# Each change script prints what it did as records for the expected state:
#   new FOLDER MESSAGE-ID FLAGS | gone FOLDER MESSAGE-ID | flags FOLDER MESSAGE-ID FLAGS
cat > "$T_TMP/server-changes.py" <<'PY'
import imaplib, os, re, socket, sys, time
port, pw, md, uid = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
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
M.login("joe", pw)
# 1. an MTA delivers into INBOX: tmp/, then rename into new/
body = b"From: mta@example.org\nSubject: delivered between syncs\nMessage-ID: <srv-new1@offlineimap.test>\n\nhello\n"
t = time.time()
name = "%d.M%dP%dQ1.%s,S=%d,W=%d" % (int(t), int(t % 1 * 1e6), os.getpid(), socket.gethostname(), len(body), len(body) + body.count(b"\n"))
with open(os.path.join(md, "tmp", name), "wb") as f:
    f.write(body); f.flush(); os.fsync(f.fileno())
os.chown(os.path.join(md, "tmp", name), uid, uid)
os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
print("new INBOX <srv-new1@offlineimap.test> ")
# 2. a client APPENDs into A.B with \Seen \Flagged and a date
msg = b"From: joe@example.net\r\nSubject: appended between syncs\r\nMessage-ID: <srv-new2@offlineimap.test>\r\n\r\nbody\r\n"
typ, d = M.append("A.B", r"(\Seen \Flagged)", '"02-Feb-2021 10:00:00 +0100"', msg)
assert typ == "OK", d
print("new A/B <srv-new2@offlineimap.test> FS")
# 3. flags: INBOX 1 loses \Seen; Sent 1 gains \Flagged
M.select("INBOX"); ids = mids(M)
print("flags INBOX %s %s" % (ids[0], store(M, "INBOX", "1", "-FLAGS", r"(\Seen)")))
M.select("Sent"); ids = mids(M)
print("flags Sent %s %s" % (ids[0], store(M, "Sent", "1", "+FLAGS", r"(\Flagged)")))
# 4. expunged on imapd: A 2
M.select("A"); ids = mids(M)
store(M, "A", "2", "+FLAGS", r"(\Deleted)")
typ, d = M.expunge()
assert typ == "OK" and d == [b"2"], (typ, d)
print("gone A %s" % ids[1])
M.logout()
PY

# the local side, the way a mail reader changes a Maildir (rename, unlink, deliver);
# folder A/B is the directory A.B (sep = .)
cat > "$T_TMP/local-changes.py" <<'PY'
import os, re, sys, time
top, avoid = sys.argv[1], set(sys.argv[2:])
def dirof(folder):
    return os.path.join(top, folder.replace("/", "."))
def mid(path):
    with open(path, "rb") as f:
        m = re.search(rb"(?im)^message-id:\s*(\S+)", f.read())
    return m.group(1).decode()
def files(folder):
    out = []
    for sub in ("cur", "new"):
        d = os.path.join(dirof(folder), sub)
        out += [(sub + "/" + n, mid(os.path.join(d, n))) for n in sorted(os.listdir(d))]
    return out
def pick(folder, skip=()):
    for n, m in files(folder):
        if m not in avoid and m not in skip:
            return n, m
    raise SystemExit("nothing to pick in " + folder)
def setflags(folder, n, fl):
    d = dirof(folder)
    new = "cur/" + n.split("/", 1)[1].split(":2,")[0] + ":2," + "".join(sorted(fl))
    os.rename(os.path.join(d, n), os.path.join(d, new))
def flags(n):
    return n.split(":2,")[1] if ":2," in n else ""
def deliver(folder, sub, body, info):
    t = time.time()
    name = "%d.M%dP%dQ7.localhost" % (int(t), int(t % 1 * 1e6), os.getpid())
    tmp = os.path.join(dirof(folder), "tmp", name)
    with open(tmp, "wb") as f:
        f.write(body); f.flush(); os.fsync(f.fileno())
    os.rename(tmp, os.path.join(dirof(folder), sub, name + info))
# 1. new local messages: A (in new/, no flags) and Sent (in cur/, seen)
deliver("A", "new", b"From: joe@example.net\nSubject: written locally\nMessage-ID: <loc-new1@offlineimap.test>\n\nlocal\n", "")
print("new A <loc-new1@offlineimap.test> ")
deliver("Sent", "cur", b"From: joe@example.net\nSubject: sent locally\nMessage-ID: <loc-new2@offlineimap.test>\n\nsent\n", ":2,S")
print("new Sent <loc-new2@offlineimap.test> S")
# 2. flags: an INBOX message answered and seen; the A message with \Answered \Flagged loses F
n, m = pick("INBOX"); fl = set(flags(n)) | {"R", "S"}; setflags("INBOX", n, fl)
print("flags INBOX %s %s" % (m, "".join(sorted(fl))))
touched = {m}
n, m = [(n, m) for n, m in files("A") if "F" in flags(n) and m not in avoid][0]
fl = set(flags(n)) - {"F"}; setflags("A", n, fl)
print("flags A %s %s" % (m, "".join(sorted(fl))))
# 3. deleted locally: an A/B message unlinked
n, m = pick("A/B"); os.unlink(os.path.join(dirof("A/B"), n))
print("gone A/B %s" % m)
PY

timeout 30 "$PYTHON" "$T_TMP/server-changes.py" "$PORT" "$PW" "$MD" "$UID_joe" > "$T_TMP/changes" 2> "$T_TMP/server-changes.err"
expect_eq "$?" 0 "changes made on imapd's side"
[ -s "$T_TMP/server-changes.err" ] && show "$T_TMP/server-changes.err"
timeout 30 "$PYTHON" "$T_TMP/local-changes.py" "$LOCAL" $(awk '{print $3}' "$T_TMP/changes") >> "$T_TMP/changes" 2> "$T_TMP/local-changes.err"
expect_eq "$?" 0 "changes made on the local side"
[ -s "$T_TMP/local-changes.err" ] && show "$T_TMP/local-changes.err"
note "changes:"; show "$T_TMP/changes"
expect_eq "$(wc -l < "$T_TMP/changes")" 10 "10 changes made (4 new, 4 flag changes, 2 deletions)"

# the expected state: the first sync's, with the changes applied
"$PYTHON" - "$T_TMP/want.1" "$T_TMP/changes" <<'PY' | LC_ALL=C sort > "$T_TMP/want.2"
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
for (f, m), fl in rows.items():
    print("%s\t%s\t%s" % (f, m, fl))
PY

# ================================================================= sync 2: both ways
sync
sync_ok "second sync"
actions | LC_ALL=C sort > "$T_TMP/actions.2"
cat > "$T_TMP/actions.want" <<'ACT'
Adding flag F to 1 messages on Sent
Adding flag R to 1 messages on INBOX
Copy message UID -1 (1/1) local:A -> remote:A
Copy message UID -1 (1/1) local:Sent -> remote:Sent
Copy message UID 3 (1/1) remote:A.B -> local:A.B
Copy message UID 6 (1/1) remote:INBOX -> local:INBOX
Deleting 1 messages (1) in IMAP[A.B]
Deleting 1 messages (2) in Maildir[A]
Deleting flag F from 1 messages on A
Deleting flag S from 1 messages on INBOX
ACT
# (UIDs: A.B had 1-2, the APPEND got 3; INBOX had 1-4, the first sync's upload got 5)
same "$T_TMP/actions.want" "$T_TMP/actions.2" "second sync: offlineimap did exactly the 10 expected things (2 copies each way, a deletion each way, 4 flag changes)"
states 2
same "$T_TMP/want.2" "$T_TMP/local.2" "after the second sync the local Maildir holds exactly the expected messages and flags"
same "$T_TMP/want.2" "$T_TMP/imap.2" "after the second sync imapd serves exactly the expected messages and flags"
same "$T_TMP/imap.2" "$T_TMP/disk.2" "what imapd serves is what its Maildir holds"
expect_not "$T_TMP/imap.2" $'\t[A-Z]*T' "no \\Deleted message left on imapd"

# ================================================================= sync 3: nothing to do
snapshot "$MD" > "$T_TMP/snap.server.before"
snapshot "$LOCAL" > "$T_TMP/snap.local.before"
sync
sync_ok "third sync"
actions > "$T_TMP/actions.3"
if [ -s "$T_TMP/actions.3" ]; then fail "the third sync did something"; show "$T_TMP/actions.3"; else pass "the third sync copied, deleted and changed nothing (offlineimap's own account)"; fi
snapshot "$MD" > "$T_TMP/snap.server.after"
snapshot "$LOCAL" > "$T_TMP/snap.local.after"
same "$T_TMP/snap.server.before" "$T_TMP/snap.server.after" "the third sync left every file of imapd's Maildir as it was"
same "$T_TMP/snap.local.before" "$T_TMP/snap.local.after" "the third sync left every file of the local Maildir as it was"
states 3
same "$T_TMP/want.2" "$T_TMP/local.3" "after the third sync the local Maildir still holds the expected messages"
same "$T_TMP/want.2" "$T_TMP/imap.3" "after the third sync imapd still serves the expected messages"
