#!/usr/bin/env python3
"""bench.py: the client side of `make bench` (tests/bench/bench starts the servers).

Runs the same rows against imapd (tcpserver + checkpw) and Dovecot on identical copies of
a generated Maildir (tests/bench/genmaildir.py), alternating servers, for several rounds,
and prints medians and the imapd/Dovecot ratio per row, size and cache state:

- first: a copy never opened by any server;
- cold:  the same copy with every index file deleted (imapd.*, dovecot.index*,
         dovecot.list.index*), dovecot-uidlist kept;
- warm:  the same session again.

The copies are made of hard links to the generated messages (a message file never
changes, and each copy has its own directories and its own dovecot-uidlist, so a rename
or unlink in one copy leaves the others alone); the page cache is therefore warm in
every state: "cold" means the servers' own index and cache files are gone.  Rows that
change the folder (STORE, EXPUNGE, APPEND) each get a fresh copy, opened once by a SELECT
session first so that they run warm.

The client reads a response by searching its buffer for the tagged line (tags are
`Zb<n>`, which no generated message contains at the start of a line), so its own cost
per response is a few nanoseconds; the responses are parsed after the clock stops, to
check that both servers answered alike (EXISTS, number of FETCH responses, SEARCH
results, SORT and THREAD lengths, bodies, EXPUNGE and APPEND counts).  Those checks are
printed as `ok ...` / `FAIL ...`; with --check any FAIL makes the exit status 1.
"""
import argparse
import hashlib
import os
import re
import shutil
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genmaildir  # noqa: E402

SERVERS = ("imapd", "dovecot")
NAMES = {"imapd": "imapd", "dovecot": "Dovecot"}
MAILDIR = {"imapd": "MAILDIR.IMAP", "dovecot": "dovecot.Maildir"}
INDEX_PREFIXES = {"imapd": ("imapd.",), "dovecot": ("dovecot.index", "dovecot.list.index")}
HEADER_FIELDS = b"BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]"
ROWS = [  # key, label, unit, states it is measured in
    ("select", "SELECT INBOX", "s", "fcw"),
    ("connect", "connect + LOGIN + SELECT", "s", "fcw"),
    ("fetch_flags", "`UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)`", "s", "fcw"),
    ("fetch_envbs", "`FETCH 1:* (ENVELOPE BODYSTRUCTURE)`", "s", "fcw"),
    ("fetch_hdr", "`FETCH 1:* BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]`",
     "s", "fcw"),
    ("rss_fetch", "peak RSS of the session after the FETCH rows", "MB", "fcw"),
    ("search_text", '`SEARCH TEXT "%s"`' % genmaildir.SEARCH_WORD, "s", "fcw"),
    ("search_from", '`SEARCH FROM "%s"`' % genmaildir.SEARCH_NAME, "s", "fcw"),
    ("sort", "`SORT (DATE) UTF-8 ALL`", "s", "fcw"),
    ("thread", "`THREAD REFERENCES UTF-8 ALL`", "s", "fcw"),
    ("body_pipe", "200 × `UID FETCH n BODY.PEEK[]`, pipelined", "s", "fcw"),
    ("body_seq", "the same 200, one at a time", "s", "fcw"),
    # What this client and loopback cost per round trip with almost no server work: the
    # floor under the row above.
    ("noop_seq", "200 × `NOOP`, one at a time (the floor of the row above)", "s", "fcw"),
    ("rss_all", "peak RSS of the session after all the rows above", "MB", "fcw"),
    ("sessions", "sessions per second (connect, LOGIN, SELECT, LOGOUT)", "/s", "w"),
    ("store", "`STORE 1:* +FLAGS (\\Flagged)`", "s", "w"),
    ("expunge", "`EXPUNGE` of 10 %", "s", "w"),
    ("append", "APPEND of %(appends)s, one at a time", "s", "w"),
    ("multiappend", "MULTIAPPEND of %(appends)s, at most 500 a command", "s", "w"),
]
# imapd takes at most 500 messages in one APPEND (NO [LIMIT] beyond); both servers get
# the same commands.
MULTIAPPEND_MAX = 500
FUTURE = 4102444800  # 2100-01-01, the messages' atime (Bench.no_atime_updates)
SETTLE = 2.5  # seconds; imapd distrusts folder times within 2 s of now
STATES = (("first", "f"), ("cold", "c"), ("warm", "w"))


class ImapError(Exception):
    pass


class Imap:
    """One client connection; commands are timed from the first byte sent to the end of
    the tagged response."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=900)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.scratch = bytearray(1 << 18)
        self.view = memoryview(self.scratch)
        self.pending = bytearray()
        self.n = 0
        self.greeting = self.read_until(b"\r\n")

    def read_until(self, marker):
        """Bytes up to and including the first line that starts with marker (or, with
        marker CRLF, the first line); leaves what follows in self.pending."""
        data = bytearray(b"\r\n")
        data += self.pending
        want = b"\r\n" if marker == b"\r\n" else b"\r\n" + marker
        start = 2 if marker == b"\r\n" else 0
        while True:
            i = data.find(want, start)
            if i >= 0:
                j = i if marker == b"\r\n" else data.find(b"\r\n", i + 2)
                if j >= 0:
                    self.pending = data[j + 2:]
                    return data[2:j + 2]
                start = i
            else:
                start = max(start, len(data) - len(want))
            k = self.sock.recv_into(self.scratch)
            if k == 0:
                raise ImapError("connection closed")
            data += self.view[:k]

    def tag(self):
        self.n += 1
        return b"Zb%d" % self.n

    def send(self, data):
        self.sock.sendall(data)

    def wait(self, tag):
        """(response bytes, status word) of the command tagged tag."""
        resp = self.read_until(tag + b" ")
        last = resp.rfind(b"\r\n", 0, len(resp) - 2)
        last = last + 2 if last >= 0 else 0
        status = resp[last + len(tag) + 1:].split(b" ", 1)[0].strip()
        return resp, status.decode()

    def cmd(self, text, must=True):
        """(seconds, response, status) of one command."""
        tag = self.tag()
        t0 = time.perf_counter()
        self.send(tag + b" " + text + b"\r\n")
        resp, status = self.wait(tag)
        secs = time.perf_counter() - t0
        if must and status != "OK":
            raise ImapError("%s: %s" % (text[:60], resp[-300:]))
        return secs, resp, status

    def literal_cmd(self, pieces):
        """A command made of text pieces separated by literals, [text, lit, text, lit,
        ..., text], sent at once with LITERAL+ (RFC 7888), as both servers offer it."""
        tag = self.tag()
        t0 = time.perf_counter()
        out = [tag + b" " + pieces[0]]
        for i in range(1, len(pieces), 2):
            out += [b"{%d+}\r\n" % len(pieces[i]), pieces[i], pieces[i + 1]]
        self.send(b"".join(out) + b"\r\n")
        resp, status = self.wait(tag)
        secs = time.perf_counter() - t0
        if status != "OK":
            raise ImapError("APPEND: %s" % resp[-300:])
        return secs, resp

    def login(self, user, password):
        return self.cmd(b"LOGIN %s %s" % (quote(user), quote(password)))

    def logout(self):
        self.cmd(b"LOGOUT", must=False)
        self.sock.close()


def quote(s):
    return b'"' + s.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def responses(buf):
    """Untagged and tagged responses of buf, each (text with literals replaced by
    {n}, [literals])."""
    out, i, n = [], 0, len(buf)
    lit_re = re.compile(rb"\{(\d+)\+?\}$")
    while i < n:
        j = buf.find(b"\r\n", i)
        if j < 0:
            break
        text, lits = bytearray(buf[i:j]), []
        i = j + 2
        m = lit_re.search(text)
        while m:
            size = int(m.group(1))
            lits.append(bytes(buf[i:i + size]))
            i += size
            j = buf.find(b"\r\n", i)
            text += buf[i:j]
            i = j + 2
            m = lit_re.search(text)
        out.append((bytes(text), lits))
    return out


def fetches(buf):
    return [r for r in responses(buf) if re.match(rb"\* \d+ FETCH ", r[0])]


def numbers_after(buf, word):
    for text, _ in responses(buf):
        if text.startswith(b"* " + word):
            return [int(x) for x in re.findall(rb"\d+", text[len(word) + 2:])]
    return []


def exists_of(buf):
    m = re.search(rb"\r?\n?\* (\d+) EXISTS\r\n", b"\r\n" + bytes(buf))
    return int(m.group(1)) if m else -1


def rss_mb(server_port, client_port, uid):
    """Peak RSS (VmHWM) of the process of uid that holds the server end of this
    connection: imapd serve, or Dovecot's imap process, which receives the client's
    descriptor from imap-login."""
    inode = None
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            p = line.split()
            if (int(p[1].rsplit(":", 1)[1], 16) == server_port
                    and int(p[2].rsplit(":", 1)[1], 16) == client_port):
                inode = p[9]
    if inode is None:
        return None
    target = "socket:[%s]" % inode
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = open("/proc/%s/status" % pid).read()
            if "\nUid:\t%d\t" % uid not in status:
                continue
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == target:
                    m = re.search(r"VmHWM:\s+(\d+) kB", status)
                    return int(m.group(1)) / 1024.0 if m else None
        except OSError:
            continue
    return None


class Bench:
    def __init__(self, a):
        self.a = a
        self.ports = {"imapd": a.imapd_port, "dovecot": a.dovecot_port}
        self.samples = {}  # (size, state, row, server) -> [values]
        self.checks = {}  # description -> ok (first verdict kept false)
        self.appends = genmaildir.append_messages(a.appends)
        self.caps = {}

    def record(self, size, state, row, server, value):
        if value is not None:
            self.samples.setdefault((size, state, row, server), []).append(value)

    def check(self, ok, what):
        if what not in self.checks:
            if self.a.check or not ok:
                print("%s %s" % ("ok" if ok else "FAIL", what), flush=True)
            self.checks[what] = ok
        elif not ok and self.checks[what]:
            print("FAIL %s (in a later round)" % what, flush=True)
            self.checks[what] = False

    def agree(self, size, what, facts):
        a, b = facts["imapd"], facts["dovecot"]
        self.check(a == b, "%d: %s: imapd and Dovecot agree (%s / %s)" % (
            size, what, summary(a), summary(b)))

    # ---- Maildir copies -------------------------------------------------------------

    def master(self, size):
        os.makedirs(self.a.cache, exist_ok=True)
        os.chmod(self.a.cache, 0o755)
        path = os.path.join(self.a.cache, "maildir-%d-v%d" % (size, genmaildir.VERSION))
        for name in os.listdir(self.a.cache):  # left by an interrupted generation
            pid = name.rsplit(".tmp-", 1)[-1]
            if name.startswith(os.path.basename(path) + ".tmp-") and not os.path.exists("/proc/" + pid):
                shutil.rmtree(os.path.join(self.a.cache, name))
        if not os.path.isdir(path):
            print("# generating %s (%d messages)" % (path, size), flush=True)
            t0 = time.time()
            genmaildir.generate(path, size)
            print("# generated in %.0f s" % (time.time() - t0), flush=True)
        self.no_atime_updates(path)
        return path

    def no_atime_updates(self, master):
        """Give every message an access time in the far future.  link(2) changes a
        file's ctime, and under relatime the next read of a file whose atime is not
        after its ctime writes a new atime: a journal transaction per message, which
        took the first reader of a fresh copy 50 s instead of 2 s for 100,000 messages
        here, and since the copies share inodes, only whichever server came first in a
        round paid it.  That is the file system's cost, not either server's."""
        for sub in ("cur", "new"):
            d = os.path.join(master, sub)
            for name in os.listdir(d):
                st = os.stat(os.path.join(d, name))
                if st.st_atime < FUTURE:
                    os.utime(os.path.join(d, name), ns=(FUTURE * 10**9, st.st_mtime_ns))

    def fresh(self, server, master):
        dest = os.path.join(self.a.home, MAILDIR[server])
        self.remove(dest)
        tmp = dest + ".new"
        self.remove(tmp)
        uid, gid = self.a.uid, self.a.gid
        os.mkdir(tmp, 0o700)
        os.chown(tmp, uid, gid)
        for sub in ("tmp", "new", "cur"):
            os.mkdir(os.path.join(tmp, sub), 0o700)
            os.chown(os.path.join(tmp, sub), uid, gid)
        for sub in ("cur", "new"):
            src, dst = os.path.join(master, sub), os.path.join(tmp, sub)
            for name in os.listdir(src):
                os.link(os.path.join(src, name), os.path.join(dst, name))
        for name in os.listdir(master):
            src = os.path.join(master, name)
            if os.path.isfile(src):
                shutil.copy2(src, os.path.join(tmp, name))
                os.chown(os.path.join(tmp, name), uid, gid)
        os.rename(tmp, dest)
        # The links just made leave every message's inode dirty; while the file system
        # writes them back, opening or stat()ing one waits for its inode table block
        # (2.8 s instead of 0.2 s for the first UID FETCH of 10,000 here).
        os.sync()

    def remove(self, path):
        if os.path.exists(path):
            trash = "%s.trash" % path
            os.rename(path, trash)
            shutil.rmtree(trash)

    def settle(self, server):
        """Wait until the copy's directories and lists are SETTLE seconds old.  Both
        servers rescan a folder whose times are too recent to trust (a change within the
        same tick could go unseen: imapd's maildir::stamp, Dovecot's dirty syncs); a
        copy made, or changed by the session before, a moment ago would measure that
        rescan, not the state the row names."""
        top = os.path.join(self.a.home, MAILDIR[server])
        newest = 0.0
        for name in ("new", "cur", "dovecot-uidlist", "dovecot-keywords"):
            try:
                newest = max(newest, os.stat(os.path.join(top, name)).st_mtime)
            except OSError:
                pass
        wait = SETTLE - (time.time() - newest)
        if wait > 0:
            time.sleep(wait)

    def warm_page_cache(self, master):
        """Read every message once.  This machine pages out file pages untouched for a
        minute (DAMON reclaim), and the copies share inodes, so whichever server read
        first in a round would pay the disk reads for both."""
        for sub in ("cur", "new"):
            d = os.path.join(master, sub)
            for name in os.listdir(d):
                fd = os.open(os.path.join(d, name), os.O_RDONLY)
                while os.read(fd, 1 << 20):
                    pass
                os.close(fd)

    def drop_index(self, server):
        top = os.path.join(self.a.home, MAILDIR[server])
        for root, dirs, files in os.walk(top):
            for f in files:
                if f.startswith(INDEX_PREFIXES[server]):
                    os.unlink(os.path.join(root, f))

    # ---- sessions ---------------------------------------------------------------------

    def connect(self, server):
        c = Imap(self.ports[server])
        c.login(self.a.user, self.a.password)
        return c

    def capabilities(self, server):
        c = self.connect(server)
        _, resp, _ = c.cmd(b"CAPABILITY")
        c.logout()
        caps = set()
        for text, _ in responses(resp):
            if text.startswith(b"* CAPABILITY "):
                caps |= set(text.decode().upper().split()[2:])
        return caps

    def read_session(self, server, size, state, plan):
        """The read rows, one session; returns the facts the servers must agree on."""
        port, rec, f = self.ports[server], (lambda row, v: self.record(size, state, row, server, v)), {}
        self.settle(server)
        t0 = time.perf_counter()
        c = self.connect(server)
        secs, resp, _ = c.cmd(b"SELECT INBOX")
        rec("connect", time.perf_counter() - t0)
        rec("select", secs)
        f["exists"] = exists_of(resp)

        secs, resp, _ = c.cmd(b"UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)")
        rec("fetch_flags", secs)
        rs = fetches(resp)
        f["uids"] = sorted(int(re.search(rb"UID (\d+)", t).group(1)) for t, _ in rs)
        f["sizes"] = sorted(int(re.search(rb"RFC822\.SIZE (\d+)", t).group(1)) for t, _ in rs)
        secs, resp, _ = c.cmd(b"FETCH 1:* (ENVELOPE BODYSTRUCTURE)")
        rec("fetch_envbs", secs)
        f["n_envbs"] = len(fetches(resp))
        secs, resp, _ = c.cmd(b"FETCH 1:* " + HEADER_FIELDS)
        rec("fetch_hdr", secs)
        rs = fetches(resp)
        f["n_hdr"] = len(rs)
        f["hdr_sha"] = hashlib.sha1(b"".join(b"".join(l) for _, l in rs)).hexdigest()[:12]
        rec("rss_fetch", rss_mb(port, c.sock.getsockname()[1], self.a.uid))

        secs, resp, _ = c.cmd(b'SEARCH TEXT "%s"' % genmaildir.SEARCH_WORD.encode())
        rec("search_text", secs)
        f["search_text"] = numbers_after(resp, b"SEARCH")
        secs, resp, _ = c.cmd(b'SEARCH FROM "%s"' % genmaildir.SEARCH_NAME.encode())
        rec("search_from", secs)
        f["search_from"] = numbers_after(resp, b"SEARCH")
        if plan["sort"]:
            secs, resp, _ = c.cmd(b"SORT (DATE) UTF-8 ALL")
            rec("sort", secs)
            f["sort"] = numbers_after(resp, b"SORT")
        if plan["thread"]:
            secs, resp, _ = c.cmd(b"THREAD REFERENCES UTF-8 ALL")
            rec("thread", secs)
            thread = [t for t, _ in responses(resp) if t.startswith(b"* THREAD")]
            f["thread_n"] = len(re.findall(rb"\d+", thread[0][8:])) if thread else -1
            f["thread"] = hashlib.sha1(thread[0] if thread else b"").hexdigest()[:12]

        tags = [c.tag() for _ in plan["sample"]]
        batch = b"".join(b"%s UID FETCH %d BODY.PEEK[]\r\n" % (t, u)
                         for t, u in zip(tags, plan["sample"]))
        t1 = time.perf_counter()
        c.send(batch)
        resp, _ = c.wait(tags[-1])
        rec("body_pipe", time.perf_counter() - t1)
        f["pipe_ok"] = sum(1 for t, _ in responses(resp) if re.match(rb"Zb\d+ OK", t))
        f["bodies"] = bodies(resp)
        t1, seq = time.perf_counter(), bytearray()
        for u in plan["sample"]:
            seq += c.cmd(b"UID FETCH %d BODY.PEEK[]" % u)[1]
        rec("body_seq", time.perf_counter() - t1)
        f["bodies_seq"] = bodies(seq)
        t1 = time.perf_counter()
        for _ in plan["sample"]:
            c.cmd(b"NOOP")
        rec("noop_seq", time.perf_counter() - t1)
        rec("rss_all", rss_mb(port, c.sock.getsockname()[1], self.a.uid))
        c.logout()
        return f

    def sessions(self, server, size):
        self.settle(server)
        n, t0 = 0, time.perf_counter()
        while True:
            c = self.connect(server)
            c.cmd(b"SELECT INBOX")
            c.logout()
            n += 1
            el = time.perf_counter() - t0
            if el >= self.a.session_seconds and n >= 5:
                break
        self.record(size, "warm", "sessions", server, n / el)

    def warm_up(self, server):
        c = self.connect(server)
        c.cmd(b"SELECT INBOX")
        c.logout()

    def store(self, server, size):
        self.settle(server)
        c = self.connect(server)
        c.cmd(b"SELECT INBOX")
        secs, resp, _ = c.cmd(b"STORE 1:* +FLAGS (\\Flagged)")
        self.record(size, "warm", "store", server, secs)
        _, resp, _ = c.cmd(b"SEARCH UNFLAGGED")
        c.logout()
        return {"unflagged": len(numbers_after(resp, b"SEARCH"))}

    def expunge(self, server, size, marked):
        self.settle(server)
        c = self.connect(server)
        c.cmd(b"SELECT INBOX")
        for i in range(0, len(marked), 1500):
            c.cmd(b"UID STORE %s +FLAGS.SILENT (\\Deleted)"
                  % b",".join(b"%d" % u for u in marked[i:i + 1500]))
        secs, resp, _ = c.cmd(b"EXPUNGE")
        self.record(size, "warm", "expunge", server, secs)
        c.logout()
        return {"expunged": len(re.findall(rb"\n\* \d+ EXPUNGE\r", b"\n" + bytes(resp)))}

    def append(self, server, size, multi):
        self.settle(server)
        c = self.connect(server)
        if multi:
            secs = 0.0
            for i in range(0, len(self.appends), MULTIAPPEND_MAX):
                pieces = [b"APPEND INBOX "]
                for m in self.appends[i:i + MULTIAPPEND_MAX]:
                    pieces += [m, b" "]
                pieces[-1] = b""
                secs += c.literal_cmd(pieces)[0]
        else:
            t0 = time.perf_counter()
            for m in self.appends:
                c.literal_cmd([b"APPEND INBOX ", m, b""])
            secs = time.perf_counter() - t0
        self.record(size, "warm", "multiappend" if multi else "append", server, secs)
        _, resp, _ = c.cmd(b"STATUS INBOX (MESSAGES)")
        c.logout()
        m = re.search(rb"MESSAGES (\d+)", bytes(resp))
        return {"messages": int(m.group(1)) if m else -1}

    # ---- the whole run --------------------------------------------------------------

    def run(self):
        for s in SERVERS:
            self.caps[s] = self.capabilities(s)
        both = self.caps["imapd"] & self.caps["dovecot"]
        plan = {"sort": "SORT" in both, "thread": "THREAD=REFERENCES" in both}
        for cap in ("LITERAL+", "MULTIAPPEND"):
            self.check(cap in both, "both servers offer %s (the APPEND rows use it)" % cap)
        for size in self.a.sizes:
            master = self.master(size)
            uids = [int(l.split()[0]) for l in open(os.path.join(master, "dovecot-uidlist"))
                    .read().splitlines()[1:]]
            plan["sample"] = [uids[k * len(uids) // 200] for k in range(200)]
            marked = uids[9::10]
            for rnd in range(self.a.rounds):
                order = SERVERS if rnd % 2 == 0 else SERVERS[::-1]
                print("# %d messages, round %d of %d" % (size, rnd + 1, self.a.rounds), flush=True)
                for s in order:
                    self.fresh(s, master)
                for state, _ in STATES:
                    facts = {}
                    for s in order:
                        if state == "cold":
                            self.drop_index(s)
                        self.warm_page_cache(master)
                        facts[s] = self.read_session(s, size, state, plan)
                    self.compare_reads(size, state, facts, plan)
                for s in order:
                    self.sessions(s, size)
                facts = {}
                for s in order:
                    self.fresh(s, master)
                    self.warm_up(s)
                    facts[s] = self.store(s, size)
                    self.check(facts[s]["unflagged"] == 0,
                               "%d: %s: every message \\Flagged after STORE 1:*" % (size, NAMES[s]))
                for s in order:
                    self.fresh(s, master)
                    self.warm_up(s)
                    facts[s] = self.expunge(s, size, marked)
                    self.check(facts[s]["expunged"] == len(marked),
                               "%d: %s: EXPUNGE reported %d of %d" % (
                                   size, NAMES[s], facts[s]["expunged"], len(marked)))
                for multi in (False, True):
                    for s in order:
                        self.fresh(s, master)
                        self.warm_up(s)
                        facts[s] = self.append(s, size, multi)
                        self.check(facts[s]["messages"] == size + len(self.appends),
                                   "%d: %s: %s of %d: STATUS MESSAGES %d" % (
                                       size, NAMES[s], "MULTIAPPEND" if multi else "APPEND",
                                       len(self.appends), facts[s]["messages"]))
                for s in SERVERS:
                    self.remove(os.path.join(self.a.home, MAILDIR[s]))
            self.check_complete(size, plan)
            print(self.table(size), flush=True)
            self.write_results()
        return all(self.checks.values())

    def compare_reads(self, size, state, facts, plan):
        for s in SERVERS:
            f = facts[s]
            self.check(f["exists"] == size, "%d %s: %s: SELECT says %d EXISTS" % (
                size, state, NAMES[s], f["exists"]))
            for key, what in (("uids", "UID FETCH 1:*"), ("n_envbs", "FETCH ENVELOPE"),
                              ("n_hdr", "FETCH HEADER.FIELDS")):
                n = len(f[key]) if key == "uids" else f[key]
                self.check(n == f["exists"], "%d %s: %s: %s gave %d FETCH responses" % (
                    size, state, NAMES[s], what, n))
            if plan["sort"]:
                self.check(len(f["sort"]) == f["exists"], "%d %s: %s: SORT lists %d messages" % (
                    size, state, NAMES[s], len(f["sort"])))
            if plan["thread"]:
                self.check(f["thread_n"] == f["exists"], "%d %s: %s: THREAD holds %d messages" % (
                    size, state, NAMES[s], f["thread_n"]))
            self.check(f["pipe_ok"] == 200 and len(f["bodies"]) == 200 and
                       f["bodies"] == f["bodies_seq"],
                       "%d %s: %s: 200 bodies pipelined and one at a time, the same" % (
                           size, state, NAMES[s]))
        pick = lambda k: {s: facts[s][k] for s in SERVERS}  # noqa: E731
        self.agree(size, "%s UIDs" % state, pick("uids"))
        self.agree(size, "%s RFC822.SIZE of every message" % state, pick("sizes"))
        self.agree(size, "%s HEADER.FIELDS bytes" % state, pick("hdr_sha"))
        for k in ("search_text", "search_from"):
            self.check(all(facts[s][k] for s in SERVERS), "%d %s: %s finds messages" % (size, state, k))
            self.agree(size, "%s %s results" % (state, k), pick(k))
        if plan["sort"]:
            self.agree(size, "%s SORT (DATE) order" % state, pick("sort"))
        if plan["thread"]:
            self.agree(size, "%s THREAD REFERENCES" % state, pick("thread"))
        self.agree(size, "%s 200 bodies" % state, pick("bodies"))

    def rows(self):
        return [(k, label.replace("%(appends)s", "{:,}".format(self.a.appends)), unit, st)
                for k, label, unit, st in ROWS
                if not (k == "sort" and ("SORT" not in self.caps["imapd"] & self.caps["dovecot"]))
                and not (k == "thread" and "THREAD=REFERENCES" not in
                         self.caps["imapd"] & self.caps["dovecot"])]

    def check_complete(self, size, plan):
        for key, label, unit, st in self.rows():
            for state, letter in STATES:
                if letter in st:
                    for s in SERVERS:
                        self.check(bool(self.samples.get((size, state, key, s))),
                                   "%d %s: %s: a figure for %s" % (size, state, NAMES[s], key))

    def median(self, size, state, key, s):
        v = self.samples.get((size, state, key, s))
        return statistics.median(v) if v else None

    def cell(self, size, state, key, unit):
        a, b = (self.median(size, state, key, s) for s in SERVERS)
        ratio = "–" if a is None or not b else "%.0f" % (a / b) if a / b >= 100 else "%.2g" % (a / b)
        if "e" in ratio:
            ratio = "%.3f" % (a / b)
        return [fmt(a, unit), fmt(b, unit), ratio]

    def table(self, size):
        out = ["### %s messages" % "{:,}".format(size), "",
               "| row | imapd first | Dovecot first | ratio | imapd cold | Dovecot cold | ratio "
               "| imapd warm | Dovecot warm | ratio |", "|---|" + "---|" * 9]
        for key, label, unit, st in self.rows():
            cells = []
            for state, letter in STATES:
                cells += self.cell(size, state, key, unit) if letter in st else ["", "", ""]
            out.append("| %s | %s |" % (label, " | ".join(cells)))
        return "\n".join(out) + "\n"

    def summary_table(self):
        sizes = [s for s in self.a.sizes if any(k[0] == s for k in self.samples)]
        head = "| row |" + "".join(" imapd %s | Dovecot %s | ratio |" % (short(s), short(s))
                                   for s in sizes)
        out = [head, "|---|" + "---|" * (3 * len(sizes))]
        for key, label, unit, st in self.rows():
            cells = []
            for size in sizes:
                cells += self.cell(size, "warm", key, unit)
            out.append("| %s | %s |" % (label, " | ".join(cells)))
        return "\n".join(out) + "\n"

    def write_results(self):
        if not self.a.results:
            return
        info = open(self.a.info).read() if self.a.info else ""
        text = ["# `make bench` results", "", info,
                "Medians of %d round(s); ratio = imapd / Dovecot (for sessions per second, "
                "higher is better; for every other row, lower is better).  first: a copy "
                "never opened; cold: index and cache files of both servers deleted "
                "(dovecot-uidlist kept); warm: the same session again.  Message files are "
                "hard links to one generated Maildir, read once before each of these "
                "sessions, so the page cache is warm in every state.  Each timed session starts when the folder's directories and lists "
                "have been unchanged for %.1f s (both servers rescan a folder whose times are "
                "too recent to trust).  The rows from sessions per second down run on fresh "
                "copies opened once (warm).  The machine is shared: expect a few tens of "
                "per cent of noise between runs, more on the fsync-bound APPEND rows."
                % (self.a.rounds, SETTLE), "",
                "## Warm, every size", "", self.summary_table()]
        for size in self.a.sizes:
            if any(k[0] == size for k in self.samples):
                text += ["## %s messages: first, cold, warm" % "{:,}".format(size), "",
                         self.table(size).split("\n", 2)[2]]
        failed = [w for w, ok in self.checks.items() if not ok]
        text += ["## Checks", "", "%d checks, %d failed%s" % (
            len(self.checks), len(failed), "".join("\n- " + w for w in failed)), ""]
        tmp = self.a.results + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("\n".join(text))
        os.rename(tmp, self.a.results)


def bodies(resp):
    out = {}
    for text, lits in fetches(resp):
        m = re.search(rb"UID (\d+)", text)
        if m and lits:
            out[int(m.group(1))] = hashlib.sha1(lits[0]).hexdigest()[:12]
    return out


def summary(v):
    if isinstance(v, (list, dict)):
        return "%d items" % len(v)
    return str(v)


def short(size):
    return "%dk" % (size // 1000) if size % 1000 == 0 else str(size)


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "MB":
        return "%.1f MB" % v
    if unit == "/s":
        return "%.3g" % v
    if v >= 1:
        return "%.3g s" % v
    if v >= 0.01:
        return "%.3g ms" % (v * 1000)
    return "%.2f ms" % (v * 1000)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--imapd-port", type=int, required=True)
    p.add_argument("--dovecot-port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--home", required=True, help="the user's home, on the cache's file system")
    p.add_argument("--uid", type=int, required=True)
    p.add_argument("--gid", type=int, required=True)
    p.add_argument("--cache", required=True, help="where generated Maildirs are kept")
    p.add_argument("--sizes", default="1000 10000 100000")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--appends", type=int, default=1000)
    p.add_argument("--session-seconds", type=float, default=2.0)
    p.add_argument("--results", help="markdown file to write")
    p.add_argument("--info", help="file with the machine and version lines for the results")
    p.add_argument("--check", action="store_true", help="exit 1 when a check fails")
    a = p.parse_args()
    a.sizes = [int(x) for x in a.sizes.split()]
    ok = Bench(a).run()
    if not ok:
        print("some checks failed", flush=True)
    sys.exit(0 if ok or not a.check else 1)


if __name__ == "__main__":
    main()
