#!/usr/bin/env bash
# IMAPClient (PyPI; issue 11 item 5) against the real service: the library many Python
# mail tools are built on. It logs in, lists folders, selects INBOX, searches, fetches
# every message (byte for byte against the files, CRLF as served), sets flags, moves a
# message (MOVE, RFC 6851), idles until a delivery arrives (RFC 2177), and resyncs with
# CONDSTORE (RFC 7162: FETCH CHANGEDSINCE returns exactly the message changed).
# IMAPClient is installed with pip into /var/tmp/imapd-pip when missing.
. "$(dirname "$0")/lib.sh"

PIPDIR=${IMAPD_PIPDIR:-/var/tmp/imapd-pip}
if ! PYTHONPATH=$PIPDIR "$PYTHON" -c 'import imapclient' 2> /dev/null; then
	note "installing IMAPClient into $PIPDIR (pip)"
	timeout 120 "$PYTHON" -m pip install -q --target "$PIPDIR" 'imapclient==4.1.0' > "$T_TMP/pip.out" 2>&1 \
		|| { show "$T_TMP/pip.out"; skip_all "IMAPClient could not be installed from PyPI"; }
fi

make_service
add_user joe 'Ic.pw64'
MD=$HOME_joe/MAILDIR.IMAP
timeout 30 "$BIN/mkmaildir" "$MD" 5 2 "$UID_joe:$UID_joe" || fail "mkmaildir"
timeout 30 "$BIN/mkmaildir" "$MD/.Archive" 0 0 "$UID_joe:$UID_joe" || fail "mkmaildir Archive"
touch "$MD/.Archive/maildirfolder"
start_service

cat > "$T_TMP/client.py" <<'PY'
import glob, os, subprocess, sys
from imapclient import IMAPClient

port, md = int(sys.argv[1]), sys.argv[2]
def check(ok, what):
    print(("ok " if ok else "FAIL ") + what)

c = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=15)
c.login("joe", "Ic.pw64")
caps = c.capabilities()
check(b"IDLE" in caps and b"MOVE" in caps and b"CONDSTORE" in caps, "capabilities after login list IDLE, MOVE, CONDSTORE")
names = sorted(f[2] for f in c.list_folders())
check(names == ["Archive", "INBOX"], "list_folders: Archive, INBOX (%s)" % names)
sel = c.select_folder("INBOX")
check(sel[b"EXISTS"] == 5, "select_folder INBOX: 5 messages")
uids = c.search("ALL")
check(uids == [1, 2, 3, 4, 5], "search ALL: UIDs 1-5")
check(c.search(["UNSEEN"]) == [3, 4, 5], "search UNSEEN: 3, 4, 5")
check(c.search(["SUBJECT", "message 4"]) == [4], "search SUBJECT: 4")
files = {}
for path in glob.glob(os.path.join(md, "cur", "*")):
    with open(path, "rb") as f:
        data = f.read()
    n = int(data.split(b"Subject: test message ")[1].split(b" ")[0])
    files[n] = data.replace(b"\n", b"\r\n")
got = c.fetch(uids, ["BODY.PEEK[]", "RFC822.SIZE"])
check(all(got[u][b"BODY[]"] == files[u] for u in uids), "fetch BODY.PEEK[]: every message is its file (CRLF)")
check(all(got[u][b"RFC822.SIZE"] == len(files[u]) for u in uids), "RFC822.SIZE is the served size")
c.add_flags([3], [b"\\Flagged", b"$Important"])
flags = c.get_flags([3])[3]
check(set(flags) == {b"\\Flagged", b"$Important"}, "add_flags: \\Flagged and a keyword (%s)" % (flags,))
modseq = c.folder_status("INBOX", ["HIGHESTMODSEQ"])[b"HIGHESTMODSEQ"]
c.add_flags([5], [b"\\Seen"])
changed = c.fetch(uids, ["FLAGS"], modifiers=["CHANGEDSINCE %d" % modseq])
check(list(changed) == [5], "CHANGEDSINCE: only message 5 changed since (%s)" % list(changed))
c.move([2], "Archive")
check(c.search("ALL") == [1, 3, 4, 5], "move: UID 2 gone from INBOX")
check(c.folder_status("Archive", ["MESSAGES"])[b"MESSAGES"] == 1, "move: Archive holds it")
c.idle()
subprocess.run(["sh", "-c", sys.argv[3]], check=True)
events = c.idle_check(timeout=10)
c.idle_done()
check(any(e[1] == b"EXISTS" for e in events), "idle_check: the delivery is told (%s)" % events)
c.logout()
print("done")
PY
# deliver: a message into new/ as an MTA would put it (tmp/, then rename)
DELIVER="f=\$(mktemp -p '$MD/tmp') && printf 'Subject: new\\n\\nHi.\\n' > \"\$f\" && chown $UID_joe \"\$f\" && mv \"\$f\" '$MD/new/1800000000.M1P1.mta'"
PYTHONPATH=$PIPDIR timeout 60 "$PYTHON" "$T_TMP/client.py" "$PORT" "$MD" "$DELIVER" > "$T_TMP/out" 2>&1
rc=$?
checks_from "$T_TMP/out"
expect_eq "$rc" 0 "the IMAPClient script ends well"
expect "$T_TMP/out" '^done$' "the IMAPClient script got to its end"
