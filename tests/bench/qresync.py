#!/usr/bin/env python3
"""tests/bench/qresync.py: what QRESYNC (RFC 7162 3.2) saves a client that comes back to a
large folder after a few changes.

    python3 tests/bench/qresync.py [SOURCE] [IMAPD]

SOURCE (default /var/tmp/imapd-bench/maildir-100000-v1, made by genmaildir.py) is copied
with hard links (`cp -al`) beside itself into qresync-scratch/, which is removed first;
the source is never written. Only the copy's directories are given to the user `nobody`,
who runs `imapd serve` (IMAPD, default target/release/imapd) over pipes: the message
files stay the source's (root's, mode 644), so renames and unlinks in the copy leave the
source as it was. Run as root.

Steps: one session enables QRESYNC, selects INBOX and notes UIDVALIDITY and
HIGHESTMODSEQ; another session sets a new keyword on 10 messages; 2.5 s later one plain
SELECT brings the folder's state up to date (as the first client after a change does). Then, ROUNDS (3) times
each, alternating, a fresh session runs
  A: ENABLE QRESYNC, then SELECT INBOX (QRESYNC (v m))
  B: SELECT INBOX, then UID FETCH 1:* (FLAGS)  (what a client without QRESYNC needs)
  C: SELECT INBOX (CONDSTORE), and D: SELECT INBOX  (what A costs beyond a SELECT)
and the bytes the server sent for those commands and their wall time (from the first
command sent to the last tagged reply, the process start and greeting left out) are
printed, with the median of the rounds.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/var/tmp/imapd-bench/maildir-100000-v1"
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAPD = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TOP, "target/release/imapd")
ROUNDS = 3


class Session:
    def __init__(self, maildir):
        self.p = subprocess.Popen([IMAPD, "serve", maildir], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  user="nobody", bufsize=0)
        self.n = 0
        self.buf = b""
        self.line()  # greeting

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.p.stdout.read(1 << 20)
            if not data:
                raise SystemExit("imapd closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def run(self, command):
        """Sends a command; returns the bytes of its responses (CRLFs counted)."""
        self.n += 1
        tag = b"b%d" % self.n
        self.p.stdin.write(tag + b" " + command + b"\r\n")
        got = []
        while True:
            line = self.line()
            got.append(line)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SystemExit("%r failed: %r" % (command, line))
                return got

    def close(self):
        self.run(b"LOGOUT")
        self.p.stdin.close()
        self.p.wait()


def timed(maildir, commands):
    s = Session(maildir)
    start = time.monotonic()
    size = 0
    lines = []
    for c in commands:
        got = s.run(c)
        lines += got
        size += sum(len(l) + 2 for l in got)
    took = time.monotonic() - start
    s.close()
    return size, took, lines


def code(lines, name):
    for l in lines:
        if (b"[" + name + b" ") in l:
            return l.split(b"[" + name + b" ")[1].split(b"]")[0]
    raise SystemExit("no %s" % name.decode())


def main():
    if os.getuid() != 0:
        raise SystemExit("run as root (the copy is given to nobody)")
    scratch = os.path.join(os.path.dirname(SOURCE), "qresync-scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    md = os.path.join(scratch, "Maildir")
    subprocess.run(["cp", "-al", SOURCE, md], check=True)
    for d, _, _ in os.walk(scratch):
        shutil.chown(d, "nobody")
    count = len(os.listdir(os.path.join(md, "cur"))) + len(os.listdir(os.path.join(md, "new")))

    _, took, lines = timed(md, [b"ENABLE QRESYNC", b"SELECT INBOX"])
    v, m = code(lines, b"UIDVALIDITY"), code(lines, b"HIGHESTMODSEQ")
    print("%d messages; first SELECT (builds the index): %.2f s; UIDVALIDITY %s HIGHESTMODSEQ %s"
          % (count, took, v.decode(), m.decode()))
    changes = [b"STORE %d +FLAGS.SILENT ($QresyncBench)" % (1 + i * (count // 10)) for i in range(10)]
    timed(md, [b"SELECT INBOX"] + changes)
    # A listing is trusted only when read 2 s after the directories' last change
    # (src/maildir/stamp.rs); before that every SELECT reads the folder again.
    time.sleep(2.5)
    _, took, _ = timed(md, [b"SELECT INBOX"])
    print("10 messages changed by another session; next plain SELECT: %.2f s" % took)

    a = [b"ENABLE QRESYNC", b"SELECT INBOX (QRESYNC (%s %s))" % (v, m)]
    b = [b"SELECT INBOX", b"UID FETCH 1:* (FLAGS)"]
    c = [b"SELECT INBOX (CONDSTORE)"]
    d = [b"SELECT INBOX"]
    results = {"A": [], "B": [], "C": [], "D": []}
    for _ in range(ROUNDS):
        for name, commands in (("A", a), ("B", b), ("C", c), ("D", d)):
            size, took, lines = timed(md, commands)
            if name == "A":
                fetched = sum(1 for l in lines if b" FETCH (" in l)
                assert fetched == 10, "QRESYNC told %d changed messages, not 10" % fetched
            results[name].append((size, took))
    for name, label in (("A", "SELECT (QRESYNC (v m))"), ("B", "SELECT + UID FETCH 1:* (FLAGS)"),
                        ("C", "SELECT (CONDSTORE)"), ("D", "SELECT")):
        sizes = [r[0] for r in results[name]]
        times = ["%.3f" % r[1] for r in results[name]]
        print("%s %-32s %9d bytes  median %.3f s  (rounds: %s)"
              % (name, label, statistics.median(sizes),
                 statistics.median(r[1] for r in results[name]), ", ".join(times)))
    shutil.rmtree(scratch)


main()
