#!/usr/bin/env python3
"""genmaildir.py DIR COUNT: the benchmark's Maildir of COUNT messages, always the same.

The mailbox looks like a few years of one person's mail, so that both servers do the work
real mail makes them do (averages ~7 KB a message):

- shapes: text/plain (7bit or quoted-printable), multipart/alternative (text + HTML),
  multipart/mixed with base64 attachments (some of them with an alternative inside),
  forwarded message/rfc822, multipart/signed, and a few large attachments;
- headers: Received chains, DKIM-Signature folded over lines, RFC 2047 encoded words in
  From and Subject (UTF-8 and ISO-8859-1, B and Q), Cc, List-Id, and threads through
  In-Reply-To and References, with "Re:"/"Fwd:" subjects;
- files: mtime = delivery time (INTERNALDATE); flags S R F D and keywords a-e (listed in
  dovecot-keywords); names in Dovecot's form with ,S= and ,W=, with ,S= only, and in
  qmail's form without sizes; a dovecot-uidlist with UID gaps (old expunges) for all but
  the last few messages, which are still in new/ as the MTA left them.

Everything comes from one seeded random generator and a fixed start date, so the same
COUNT always gives the same bytes.  The Maildir is written to DIR.tmp-PID and renamed to
DIR when complete, so an interrupted run never leaves a Maildir that looks finished.
Message files are mode 0644 so that hard links to them (tests/bench/bench.py makes the
working copies that way) are readable by the benchmark's user.

The driver imports this file for SEARCH_WORD, SEARCH_NAME and append_messages().
"""
import base64
import os
import random
import sys
import time

VERSION = 1  # bump when the output changes, so that cached Maildirs are regenerated
SEARCH_WORD = "marmalade"  # in about 1 % of the bodies (SEARCH TEXT)
SEARCH_NAME = "Ingrid"  # in about 3 % of the From fields (SEARCH FROM)
NEW_COUNT = 5  # messages left in new/, not yet in dovecot-uidlist
UIDVALIDITY = 1672531200
BASE_TIME = 1672531200  # 2023-01-01 00:00:00 UTC
KEYWORDS = ["$Forwarded", "$Junk", "$NotJunk", "Work", "Personal"]

WORDS = (
    "the of and to in is that it for on with as was at by be this have from or one had "
    "not but what all were when we there can an your which their said if do will each "
    "about how up out them then she many some so these would other into has more her two "
    "like him see time could no make than first been its who now people my made over did "
    "down only way find use may water long little very after words called just where most "
    "know get through back much before go good new write our used me man too any day same "
    "right look think also around another came come work three word must because does part "
    "even place well such here take why things help put years different away again off went "
    "old number great tell men say small every found still between name should home big "
    "give air line set own under read last never us left end along while might next sound "
    "below saw something thought both few those always looks show large often together asked "
    "house don't world going want school important until form food keep children feet land "
    "side without boy once animals life enough took sometimes four head above kind began "
    "almost live page got earth need far hand high year mother light parts country father "
    "let night following picture being study second eyes soon times story boys since white "
    "days ever paper hard near sentence better best across during today others however sure "
    "means knew it's try told young miles sun ways thing whole hear example heard several "
    "change answer room sea against top turned learn point city play toward five using "
    "himself usually meeting budget report quarter release server deploy review patch "
    "invoice schedule travel conference draft contract proposal backup network storage"
).split()
UTF8_WORDS = ["café", "naïve", "Grüße", "façade", "smørrebrød", "déjà", "Zürich", "año"]
FIRST = (
    "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy "
    "Rupert Sybil Trent Victor Walter Yolanda Zoe Oscar Quentin Ursula Xavier Wendy"
).split()
LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke"
).split()
NON_ASCII_NAMES = ["Jürgen Müller", "Søren Kierkegård", "José Álvarez", "Zoë Brontë",
                   "François Lefèvre", "Åsa Öberg", "Łukasz Żółw", "Renée Dupré"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "corp.example"]
LISTS = ["dev-announce", "ops", "users", "security", "random"]
TZS = [0, 60, 120, -300, -480, 330, 540, -240]
MAILERS = ["Mozilla Thunderbird 102.4", "Apple Mail (2.3696)", "Microsoft Outlook 16.0",
           "mutt/2.2.9", "Roundcube Webmail/1.6"]
ME = ("Test User", "user@example.net")
DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def rfc2822_date(t, tz_minutes):
    lt = time.gmtime(t + tz_minutes * 60)
    sign = "+" if tz_minutes >= 0 else "-"
    off = abs(tz_minutes)
    return "%s, %02d %s %04d %02d:%02d:%02d %s%02d%02d" % (
        DAY[lt.tm_wday], lt.tm_mday, MON[lt.tm_mon - 1], lt.tm_year, lt.tm_hour,
        lt.tm_min, lt.tm_sec, sign, off // 60, off % 60)


def encoded_word(text, rng):
    if rng.random() < 0.5:
        return "=?UTF-8?B?%s?=" % base64.b64encode(text.encode()).decode()
    try:
        raw, cs = text.encode("iso-8859-1"), "ISO-8859-1"
    except UnicodeEncodeError:
        raw, cs = text.encode(), "UTF-8"
    q = "".join(chr(b) if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A)
                else "_" if b == 0x20 else "=%02X" % b for b in raw)
    return "=?%s?Q?%s?=" % (cs, q)


def qp_encode(text):
    out = []
    for line in text.split("\n"):
        enc, width = [], 0
        for b in line.encode():
            c = chr(b) if 32 < b < 127 and b != 61 else "=%02X" % b if b != 32 else " "
            if width + len(c) > 75:
                enc.append("=\n")
                width = 0
            enc.append(c)
            width += len(c)
        out.append("".join(enc))
    return "\n".join(out)


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.people = []
        for i in range(400):
            r = self.rng
            if i % 37 == 0:
                name = r.choice(NON_ASCII_NAMES)
            elif i % 23 == 0:
                name = "%s %s" % (SEARCH_NAME, r.choice(LAST))
            else:
                name = "%s %s" % (r.choice(FIRST), r.choice(LAST))
            local = name.split()[0].lower().encode("ascii", "ignore").decode() or "x"
            self.people.append((name, "%s.%d@%s" % (local, i, r.choice(DOMAINS))))
        self.threads = []  # recent (message-id, references, subject)

    def words(self, n, rare=False):
        r = self.rng
        w = [r.choice(WORDS) for _ in range(n)]
        if n > 8 and r.random() < 0.05:
            w[r.randrange(n)] = r.choice(UTF8_WORDS)
        if rare:
            w[r.randrange(n)] = SEARCH_WORD
        return w

    def paragraphs(self, size, rare=False):
        """Text of about size bytes, wrapped at 72, in paragraphs."""
        r, lines, line = self.rng, [], []
        words = self.words(max(4, size // 6), rare)
        for w in words:
            if sum(len(x) + 1 for x in line) + len(w) > 72:
                lines.append(" ".join(line))
                line = []
                if r.random() < 0.12:
                    lines.append("")
            line.append(w)
        lines.append(" ".join(line))
        text = "\n".join(lines)
        return text[0].upper() + text[1:] + ".\n"

    def address(self, person):
        name, addr = person
        if any(ord(c) > 127 for c in name):
            return "%s <%s>" % (encoded_word(name, self.rng), addr)
        if self.rng.random() < 0.1:
            return addr
        return '"%s" <%s>' % (name, addr) if self.rng.random() < 0.3 else "%s <%s>" % (name, addr)

    def text_part(self, size, rare, headers=True):
        r = self.rng
        body = self.paragraphs(size, rare)
        if r.random() < 0.25:
            cs, cte, body = "utf-8", "quoted-printable", qp_encode(body)
        elif any(ord(c) > 127 for c in body):
            cs, cte = "utf-8", "8bit"
        else:
            cs, cte = "us-ascii", "7bit"
        h = "Content-Type: text/plain; charset=%s%s\nContent-Transfer-Encoding: %s\n" % (
            cs, "; format=flowed" if r.random() < 0.2 else "", cte)
        return h, body

    def html_part(self, text):
        paras = "".join("<p>%s</p>\n" % p.replace("\n", " ") for p in text.split("\n\n"))
        html = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>body{font-family:"
                "Arial,sans-serif;font-size:14px}</style></head>\n<body>\n<div class=\"msg\">\n"
                + paras + "</div>\n</body></html>\n")
        return ("Content-Type: text/html; charset=utf-8\n"
                "Content-Transfer-Encoding: quoted-printable\n", qp_encode(html))

    def attachment(self, size):
        r = self.rng
        kind = r.choice([("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("image/png", "png"),
                         ("application/zip", "zip"),
                         ("application/vnd.openxmlformats-officedocument.wordprocessingml."
                          "document", "docx")])
        data = base64.encodebytes(r.randbytes(size)).decode()
        name = "%s-%d.%s" % (r.choice(WORDS), r.randrange(1000), kind[1])
        if r.random() < 0.15:
            fname = "filename*=utf-8''%s-%s" % ("r%C3%A9sum%C3%A9", name)
        else:
            fname = 'filename="%s"' % name
        return ('Content-Type: %s; name="%s"\nContent-Transfer-Encoding: base64\n'
                "Content-Disposition: attachment; %s\n" % (kind[0], name, fname), data)

    def multipart(self, subtype, parts, extra=""):
        b = "----=_Part_%d_%d" % (self.rng.randrange(10**6), self.rng.randrange(10**9))
        out = ["This is a multi-part message in MIME format.\n"]
        for h, body in parts:
            out.append("\n--%s\n%s\n%s" % (b, h, body if body.endswith("\n") else body + "\n"))
        out.append("\n--%s--\n" % b)
        return 'Content-Type: multipart/%s;%s boundary="%s"\n' % (subtype, extra, b), "".join(out)

    def body(self, rare):
        """(content headers, body) of one message, in one of the shapes."""
        r = self.rng
        size = int(min(40000, r.lognormvariate(7.45, 0.8)))  # median ~1.7 KB of text
        x = r.random()
        if x < 0.50:
            return self.text_part(size, rare)
        if x < 0.76:
            th, tb = self.text_part(size, rare)
            return self.multipart("alternative", [(th, tb), self.html_part(tb)])
        if x < 0.90:
            att = int(min(90000, r.lognormvariate(8.6, 0.9)))  # median ~5.4 KB raw
            if r.random() < 0.5:
                th, tb = self.text_part(size // 2, rare)
                first = self.multipart("alternative", [(th, tb), self.html_part(tb)])
            else:
                first = self.text_part(size // 2, rare)
            parts = [first, self.attachment(att)]
            if r.random() < 0.2:
                parts.append(self.attachment(att // 3))
            return self.multipart("mixed", parts)
        if x < 0.95:
            inner_from = self.address(r.choice(self.people))
            ih, ib = self.text_part(size, rare)
            inner = ("From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <fwd.%d@%s>\n"
                     "MIME-Version: 1.0\n%s\n%s" % (
                         inner_from, "%s <%s>" % ME, " ".join(self.words(5)).capitalize(),
                         rfc2822_date(BASE_TIME - r.randrange(10**7), r.choice(TZS)),
                         r.randrange(10**9), r.choice(DOMAINS), ih, ib))
            return self.multipart("mixed", [self.text_part(300, False),
                                            ("Content-Type: message/rfc822\n"
                                             "Content-Disposition: inline\n", inner)])
        if x < 0.999:
            th, tb = self.text_part(size, rare)
            sig = ("Content-Type: application/pgp-signature; name=\"signature.asc\"\n"
                   "Content-Description: OpenPGP digital signature\n",
                   "-----BEGIN PGP SIGNATURE-----\n\n"
                   + base64.encodebytes(r.randbytes(400)).decode()
                   + "-----END PGP SIGNATURE-----\n")
            return self.multipart("signed", [(th, tb), sig],
                                  ' micalg=pgp-sha256; protocol="application/pgp-signature";')
        big = r.randrange(300000, 1200000)
        return self.multipart("mixed", [self.text_part(500, rare), self.attachment(big)])

    def message(self, n, t, mid_domain="bench.example"):
        """Message n delivered at time t: (bytes with LF line ends, its Message-ID)."""
        r = self.rng
        sender = r.choice(self.people)
        sent = t - r.randrange(2, 600)
        mid = "<%d.%d.%x@%s>" % (sent, n, r.randrange(1 << 32), mid_domain)
        h = ["Return-Path: <%s>" % sender[1], "Delivered-To: %s" % ME[1]]
        hops = r.randrange(1, 4)
        for i in range(hops):
            h.append("Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\n\tby mail.example.net "
                     "(Postfix) with ESMTPS id %X\n\tfor <%s>; %s" % (
                         i, sender[1].split("@")[1], i, sender[1].split("@")[1],
                         r.randrange(1, 255), r.randrange(1 << 40), ME[1],
                         rfc2822_date(t - i, 0)))
        if r.random() < 0.3:
            sig = base64.b64encode(r.randbytes(256)).decode()
            h.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=sel1;\n"
                     "\th=from:to:subject:date:message-id; bh=%s;\n\tb=%s" % (
                         sender[1].split("@")[1], base64.b64encode(r.randbytes(32)).decode(),
                         "\n\t ".join(sig[i:i + 70] for i in range(0, len(sig), 70))))
        reply = self.threads and r.random() < 0.55
        if reply:
            pmid, prefs, psubj = self.threads[-1 - int(r.expovariate(0.05)) % len(self.threads)]
            refs = (prefs + [pmid])[-10:]
            subject = psubj if psubj.lower().startswith("re:") else "Re: " + psubj
            if r.random() < 0.05:
                subject = "Fwd: " + psubj
        else:
            refs = []
            subject = " ".join(self.words(r.randrange(2, 9))).capitalize()
            if r.random() < 0.12:
                subject = encoded_word(subject + " " + r.choice(UTF8_WORDS), r)
            if r.random() < 0.15:
                subject = "[%s] %s" % (r.choice(LISTS), subject)
        h.append("From: %s" % self.address(sender))
        tos = [ME] + [r.choice(self.people) for _ in range(r.choice([0, 0, 0, 1, 2]))]
        h.append("To: %s" % ",\n ".join(self.address(p) for p in tos))
        if r.random() < 0.2:
            h.append("Cc: %s" % ", ".join(self.address(r.choice(self.people))
                                          for _ in range(r.randrange(1, 4))))
        h.append("Subject: %s" % subject)
        if r.random() > 0.002:  # a few messages without Date: SORT falls back (RFC 5256 2.2)
            h.append("Date: %s" % rfc2822_date(sent, r.choice(TZS)))
        h.append("Message-ID: %s" % mid)
        if refs:
            h.append("In-Reply-To: %s" % refs[-1])
            h.append("References: %s" % "\n ".join(refs))
        if r.random() < 0.2:
            name = r.choice(LISTS)
            h.append("List-Id: %s <%s.lists.example.org>" % (name.capitalize(), name))
            h.append("List-Unsubscribe: <mailto:%s-unsubscribe@lists.example.org>" % name)
        if r.random() < 0.6:
            h.append("X-Mailer: %s" % r.choice(MAILERS))
        h.append("MIME-Version: 1.0")
        ch, body = self.body(rare=r.random() < 0.01)
        msg = "\n".join(h) + "\n" + ch + "\n" + body
        self.threads.append((mid, refs, subject))
        if len(self.threads) > 300:
            del self.threads[:100]
        return msg.encode(), mid


def flags_for(r):
    f = set()
    if r.random() < 0.7:
        f.add("S")
    if r.random() < 0.06:
        f.add("R")
    if r.random() < 0.03:
        f.add("F")
    if r.random() < 0.005:
        f.add("D")
    if r.random() < 0.1:
        for _ in range(r.randrange(1, 3)):
            f.add("abcde"[r.randrange(5)])
    return "".join(sorted(f))


def generate(top, count):
    tmp = "%s.tmp-%d" % (top, os.getpid())
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(tmp, sub))
    g = Gen(count * 1000 + VERSION)
    r = random.Random(count + 7 * VERSION)
    t, uid, lines = BASE_TIME, 0, []
    for n in range(1, count + 1):
        t += 1 + int(r.expovariate(1 / 900.0))
        msg, _ = g.message(n, t)
        size, wsize = len(msg), len(msg) + msg.count(b"\n")
        pid = r.randrange(1000, 60000)
        form = r.random()
        if form < 0.6:
            unique = "%d.M%dP%d.mail.example.net,S=%d,W=%d" % (t, r.randrange(10**6), pid, size, wsize)
        elif form < 0.7:
            unique = "%d.M%dP%d.mail.example.net,S=%d" % (t, r.randrange(10**6), pid, size)
        else:
            unique = "%d.%d.mail.example.net" % (t, pid)
        if n > count - NEW_COUNT:
            path = os.path.join(tmp, "new", unique)
        else:
            uid += 1 + (int(r.expovariate(2.0)) if r.random() < 0.1 else 0)
            lines.append("%d :%s\n" % (uid, unique))
            path = os.path.join(tmp, "cur", unique + ":2," + flags_for(r))
        with open(path, "wb") as f:
            f.write(msg)
        os.chmod(path, 0o644)
        os.utime(path, (t, t))
    with open(os.path.join(tmp, "dovecot-uidlist"), "w") as f:
        f.write("3 V%d N%d G%032x\n" % (UIDVALIDITY, uid + 1, count))
        f.writelines(lines)
    with open(os.path.join(tmp, "dovecot-keywords"), "w") as f:
        f.writelines("%d %s\n" % (i, k) for i, k in enumerate(KEYWORDS))
    os.chmod(tmp, 0o755)
    os.rename(tmp, top)


def append_messages(count):
    """count messages for the APPEND rows, with CRLF line ends as a client sends them."""
    g = Gen(987654321 + VERSION)
    t = BASE_TIME + 10**8
    return [g.message(n, t + n, "append.example")[0].replace(b"\n", b"\r\n")
            for n in range(1, count + 1)]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: genmaildir.py DIR COUNT\n")
        sys.exit(2)
    generate(sys.argv[1], int(sys.argv[2]))
