//! Bounds on what one command may make the server do (SECURITY.md): sequence sets work on
//! merged ranges (RFC 3501 section 9 `sequence-set`: `1:*,1:*` names each message once),
//! SEARCH keys and their nesting, FETCH items and BINARY decoding, LIST patterns, and
//! MULTIAPPEND (RFC 3502) messages and bytes. Every refusal is a BAD or NO with a reason,
//! after which the session goes on.
//!
//! The large-folder tests run `imapd serve` with its address space limited to 64 MiB, so a
//! command that asks for memory in proportion to what the client wrote, rather than to the
//! folder, ends the session and fails the test instead of swapping.

mod common;

use std::os::unix::process::CommandExt;
use std::path::Path;

use common::{has, maildir, make_maildir, names, preauth, serve_cmd, tagged, Client, TempDir};

/// What `imapd serve` may map in these tests: the memory bound of one session (SECURITY.md:
/// 64 MiB with the view of the selected folder, plus the largest message once) for 20,000
/// small messages or one of 4 MiB; expanding the hostile sets below would take gigabytes.
const ADDRESS_SPACE: u64 = 64 << 20;

/// `count` small messages in cur/, oldest first.
fn fill(md: &Path, count: u32) {
    for i in 1..=count {
        let body = format!("Subject: message {i}\nFrom: a@example.org\n\nbody {i}\n");
        let name = format!("{}.M{i}P1.host,S={}:2,", 1_700_000_000 + i, body.len());
        std::fs::write(md.join("cur").join(name), body).expect("write message");
    }
}

/// A PREAUTH session on `md` with its address space limited to `limit`.
fn session(dir: &TempDir, md: &Path, limit: Option<u64>, env: &[(&str, &str)]) -> Client {
    let mut cmd = serve_cmd(dir, Some(md));
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(bytes) = limit {
        let lim = rustix::process::Rlimit {
            current: Some(bytes),
            maximum: Some(bytes),
        };
        // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(move || {
                rustix::process::setrlimit(rustix::process::Resource::As, lim)
                    .map_err(std::io::Error::from)
            });
        }
    }
    preauth(cmd)
}

/// `item` `n` times, joined by `sep`.
fn repeat(item: &str, n: usize, sep: &str) -> String {
    vec![item; n].join(sep)
}

/// The numbers in the `* SEARCH` line.
fn search_hits(lines: &[String]) -> Vec<u32> {
    let l = lines
        .iter()
        .find(|l| l.starts_with("* SEARCH"))
        .expect("a SEARCH response");
    l["* SEARCH".len()..]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

const MESSAGES: u32 = 20_000;

/// `1:*` sixteen thousand times in one 64 KiB line: each message once (RFC 3501 9), in
/// memory proportional to the folder. Expanded, each set would be 2.5 GB.
#[test]
fn repeated_sets_name_each_message_once() {
    let (dir, md) = maildir("repeated-sets");
    fill(&md, MESSAGES);
    let mut c = session(&dir, &md, Some(ADDRESS_SPACE), &[]);
    c.expect("s SELECT INBOX", "OK");
    let all = repeat("1:*", 16_000, ",");

    let lines = c.expect(&format!("f FETCH {all} (UID)"), "OK");
    let fetched: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" FETCH (UID "))
        .collect();
    assert_eq!(fetched.len(), MESSAGES as usize);
    assert_eq!(fetched[0], "* 1 FETCH (UID 1)");
    assert_eq!(
        fetched[MESSAGES as usize - 1],
        &format!("* {MESSAGES} FETCH (UID {MESSAGES})")
    );

    let lines = c.expect(&format!("u UID FETCH {all} (FLAGS)"), "OK");
    assert_eq!(
        lines.iter().filter(|l| l.contains(" FETCH (")).count(),
        MESSAGES as usize
    );

    // One key with sixteen thousand ranges, then the same as many UID keys.
    let hits = search_hits(&c.expect(&format!("a SEARCH {all}"), "OK"));
    assert_eq!(hits, (1..=MESSAGES).collect::<Vec<_>>());
    let keys = repeat(&format!("UID {}", repeat("1:*", 10, ",")), 900, " ");
    let hits = search_hits(&c.expect(&format!("b UID SEARCH {keys}"), "OK"));
    assert_eq!(hits.len(), MESSAGES as usize);

    // `$` (RFC 5182) names every other message: 10,000 ranges, resolved once for all keys.
    c.expect(
        &format!(
            "d STORE {} +FLAGS.SILENT (\\Flagged)",
            every_other(MESSAGES)
        ),
        "OK",
    );
    c.expect("e SEARCH RETURN (SAVE) FLAGGED", "OK");
    let hits = search_hits(&c.expect(&format!("g SEARCH {}", repeat("$", 999, " ")), "OK"));
    assert_eq!(hits, (1..=MESSAGES).step_by(2).collect::<Vec<_>>());

    // STORE on the same repeated set changes each message once.
    c.expect(&format!("h STORE {all} +FLAGS.SILENT (\\Seen)"), "OK");
    let hits = search_hits(&c.expect("i SEARCH SEEN", "OK"));
    assert_eq!(hits.len(), MESSAGES as usize);
    c.expect("z LOGOUT", "OK");
}

/// `1,3,5,...`: the odd numbers up to `n`, each its own range (54 KB for 20,000).
fn every_other(n: u32) -> String {
    let odd: Vec<String> = (1..=n).step_by(2).map(|i| i.to_string()).collect();
    odd.join(",")
}

/// COPY and UID EXPUNGE on repeated, overlapping sets act on each message once.
#[test]
fn overlapping_sets_copy_and_expunge_once() {
    let (dir, md) = maildir("overlap");
    fill(&md, 6);
    std::fs::create_dir_all(md.join(".Other")).unwrap();
    make_maildir(&md.join(".Other"));
    std::fs::write(md.join(".Other/maildirfolder"), "").unwrap();
    let mut c = session(&dir, &md, Some(ADDRESS_SPACE), &[]);
    c.expect("s SELECT INBOX", "OK");
    let lines = c.expect("a COPY 2:4,3,4:2,1:*,5:6 Other", "OK");
    assert!(tagged(&lines).contains("[COPYUID "), "{lines:?}");
    assert_eq!(names(&md.join(".Other/cur")).len(), 6);
    c.expect("b STORE 5:*,6,5 +FLAGS.SILENT (\\Deleted)", "OK");
    let lines = c.expect("c UID EXPUNGE 1:*,6,5:*", "OK");
    assert_eq!(
        lines.iter().filter(|l| l.ends_with(" EXPUNGE")).count(),
        2,
        "{lines:?}"
    );
    assert_eq!(names(&md.join("cur")).len(), 4);
    // A number past the end is still an error, also among ranges that merge (RFC 3501 9).
    let lines = c.cmd("d FETCH 1:*,1:7 FLAGS");
    assert!(tagged(&lines).starts_with("d BAD "), "{lines:?}");
    c.expect("z LOGOUT", "OK");
}

/// At most 1000 keys per search program and 64 levels of nesting; beyond, BAD with a reason
/// and the session goes on.
#[test]
fn search_keys_and_nesting_are_bounded() {
    let (dir, md) = maildir("search-bounds");
    fill(&md, 3);
    let mut c = session(&dir, &md, None, &[]);
    c.expect("s SELECT INBOX", "OK");
    let hits = search_hits(&c.expect(&format!("a SEARCH {}", repeat("ALL", 1000, " ")), "OK"));
    assert_eq!(hits, [1, 2, 3]);
    let lines = c.cmd(&format!("b SEARCH {}", repeat("ALL", 1001, " ")));
    assert_eq!(tagged(&lines), "b BAD Too many search keys");

    let nested = |depth: usize| format!("{}ALL{}", "(".repeat(depth), ")".repeat(depth));
    let hits = search_hits(&c.expect(&format!("c SEARCH {}", nested(60)), "OK"));
    assert_eq!(hits, [1, 2, 3]);
    for (tag, program) in [
        ("d", nested(1000)),
        ("e", format!("{}ALL", "NOT ".repeat(10_000))),
        ("f", format!("{}ALL ALL", "OR ".repeat(10_000))),
    ] {
        let lines = c.cmd(&format!("{tag} SEARCH {program}"));
        let t = tagged(&lines);
        assert!(
            t == format!("{tag} BAD Search keys nested too deeply")
                || t == format!("{tag} BAD Too many search keys"),
            "{t}"
        );
    }
    let hits = search_hits(&c.expect(&format!("g SEARCH {}ALL", "NOT ".repeat(10)), "OK"));
    assert_eq!(hits, [1, 2, 3]);
    c.expect("z LOGOUT", "OK");
}

/// A message whose one part is 3 MiB of base64 (`AAA...` once decoded).
fn big_binary_message(md: &Path) {
    let line = "QUFB".repeat(19);
    let mut m = String::from(
        "Subject: big\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n",
    );
    for _ in 0..(4 << 20) / 77 {
        m.push_str(&line);
        m.push('\n');
    }
    m.push_str("--b--\n");
    std::fs::write(md.join("cur/1700000001.M1P1.host:2,"), m).unwrap();
}

/// At most 256 FETCH items; BINARY items of the same part are decoded one at a time (256
/// copies of a 3 MiB part held together would be 768 MiB).
#[test]
fn fetch_items_are_bounded_and_decoded_one_at_a_time() {
    let (dir, md) = maildir("fetch-items");
    big_binary_message(&md);
    let mut c = session(&dir, &md, Some(ADDRESS_SPACE), &[]);
    c.expect("s SELECT INBOX", "OK");
    let items = |n| repeat("BINARY.SIZE[1]", n, " ");
    let lines = c.expect(&format!("a FETCH 1 ({})", items(256)), "OK");
    let size = (4 << 20) / 77 * 57;
    let want = format!("BINARY.SIZE[1] {size}");
    assert_eq!(lines[0].matches(&want).count(), 256, "{}", &lines[0][..200]);
    let lines = c.cmd(&format!("b FETCH 1 ({})", items(257)));
    assert_eq!(tagged(&lines), "b BAD Too many FETCH items");
    let lines = c.expect(
        "c FETCH 1 (BINARY.PEEK[1]<0.4> BINARY.PEEK[1]<4.4> UID)",
        "OK",
    );
    assert!(lines[0].contains("BINARY[1]<0> {4}"), "{lines:?}");
    c.expect("z LOGOUT", "OK");
}

/// The size of the message of [`large_sections_and_binary_hold_the_message_once`].
const LARGE: usize = 40 << 20;

/// The base64 lines of its first part: 1 MiB each, `AAA...` once decoded.
const LINE: usize = 1 << 20;

/// A multipart message of `LARGE` bytes: part 1 is base64 in `LINE`-long lines (stored
/// with LF ends), part 2 a short quoted-printable text. Returns the number of lines.
fn large_message(md: &Path) -> usize {
    let head = "Subject: large\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n";
    let tail = "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n=41=42 soft=\n break\nend\n--b--\n";
    let mut m = Vec::with_capacity(LARGE);
    m.extend_from_slice(head.as_bytes());
    let line = "QUFB".repeat(LINE / 4);
    let lines = (LARGE - head.len() - tail.len()) / (LINE + 1);
    for _ in 0..lines {
        m.extend_from_slice(line.as_bytes());
        m.push(b'\n');
    }
    m.extend_from_slice(tail.as_bytes());
    std::fs::write(md.join("cur/1700000001.M1P1.host:2,"), m).unwrap();
    lines
}

/// Body sections and BINARY of a 40 MiB message, under an address space of 64 MiB plus the
/// message once (the bound of SECURITY.md): each is written from the message as read, its
/// CRLF form and its decoded form made while it is written (RFC 3501 6.4.5 sizes count
/// CRLF; RFC 3516 BINARY is the decoded content). Before, a section was copied in CRLF
/// form first (BODY.PEEK[1] needed 108 MiB) and BINARY decoded from that copy into
/// others (over 200 MiB), and this session died.
#[test]
fn large_sections_and_binary_hold_the_message_once() {
    let (dir, md) = maildir("large-sections");
    let lines = large_message(&md);
    let limit = ADDRESS_SPACE + LARGE as u64;
    let mut c = session(&dir, &md, Some(limit), &[]);
    c.expect("s SELECT INBOX", "OK");

    // The part's last LF belongs to the boundary line (RFC 2046 5.1.1).
    let served = lines * (LINE + 2) - 2;
    let got = c.expect("a FETCH 1 (BODY.PEEK[1])", "OK");
    assert_eq!(got[0], format!("* 1 FETCH (BODY[1] {{{served}}}"));
    assert_eq!(
        got.len(),
        1 + lines + 1,
        "one response line per stored line"
    );
    let line = "QUFB".repeat(LINE / 4);
    assert!(got[1..lines].iter().all(|l| l == &line));
    assert_eq!(got[lines], format!("{line})"));

    let got = c.expect("b FETCH 1 (BODY.PEEK[TEXT])", "OK");
    assert!(got[0].starts_with("* 1 FETCH (BODY[TEXT] {"), "{}", got[0]);
    let text: usize = got[0]["* 1 FETCH (BODY[TEXT] {".len()..got[0].len() - 1]
        .parse()
        .unwrap();
    let sent: usize = got[1..got.len() - 1].iter().map(|l| l.len() + 2).sum();
    assert_eq!(
        text,
        sent - 3,
        "the literal, then `)` and the CRLF after it"
    );

    let decoded = lines * LINE / 4 * 3;
    let got = c.expect("c FETCH 1 (BINARY.PEEK[1])", "OK");
    assert_eq!(got[0], format!("* 1 FETCH (BINARY[1] {{{decoded}}}"));
    assert_eq!(got[1].len(), decoded + 1);
    assert!(got[1].starts_with("AAAA") && got[1].ends_with("AA)"));

    let got = c.expect("d FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2])", "OK");
    assert_eq!(
        got[0],
        format!("* 1 FETCH (BINARY.SIZE[1] {decoded} BINARY.SIZE[2] 18)")
    );

    let got = c.expect(
        &format!(
            "e FETCH 1 (BINARY.PEEK[1]<{}.100> BODY.PEEK[1]<{}.4> BINARY.PEEK[2])",
            decoded - 10,
            LINE - 1
        ),
        "OK",
    );
    assert_eq!(
        got[..4],
        [
            format!("* 1 FETCH (BINARY[1]<{}> {{10}}", decoded - 10),
            format!("AAAAAAAAAA BODY[1]<{}> {{4}}", LINE - 1),
            "B".to_string(),
            "Q BINARY[2] {18}".to_string(),
        ]
    );
    assert_eq!(got[4..6], ["AB soft break", "end)"]);
    c.expect("z LOGOUT", "OK");
}

/// SEARCH TEXT and BODY of a 40 MiB text message under an address space of 64 MiB plus
/// the message and its text (SECURITY.md): the text is folded from the message line by
/// line, not copied, converted and folded whole (RFC 3501 6.4.4: case-insensitive
/// substrings). Before, the search needed 168 MiB and this session died.
#[test]
fn search_of_a_large_text_holds_the_message_and_its_text() {
    let (dir, md) = maildir("large-search");
    let line = "The quick brown fox jumps over the lazy dog, again and again.\n";
    let mut m = String::from("Subject: large\nContent-Type: text/plain\n\n");
    m.push_str(&line.repeat(LARGE / line.len()));
    m.push_str("a NeEdLe at the end\n");
    std::fs::write(md.join("cur/1700000001.M1P1.host:2,"), m).unwrap();
    let limit = ADDRESS_SPACE + 2 * LARGE as u64;
    let mut c = session(&dir, &md, Some(limit), &[]);
    c.expect("s SELECT INBOX", "OK");
    assert_eq!(search_hits(&c.expect("a SEARCH TEXT needle", "OK")), [1]);
    assert_eq!(
        search_hits(&c.expect("b SEARCH BODY \"LAZY DOG\"", "OK")),
        [1]
    );
    assert!(search_hits(&c.expect("c SEARCH BODY haystack", "OK")).is_empty());
    c.expect("z LOGOUT", "OK");
}

/// LIST matches without backtracking (RFC 3501 6.3.8 `*` and `%`): thirty wildcards against
/// a long name answer. Patterns are at most 1024 bytes and 32 per command.
#[test]
fn list_patterns_with_many_wildcards() {
    let (dir, md) = maildir("list-stars");
    let long = repeat("a", 60, ".");
    let folder = md.join(format!(".{long}"));
    make_maildir(&folder);
    std::fs::write(folder.join("maildirfolder"), "").unwrap();
    let mut c = session(&dir, &md, None, &[]);
    let quoted = format!(" {long}");
    let stars = "*".repeat(30);
    let lines = c.expect(&format!("a LIST \"\" \"{stars}\""), "OK");
    assert!(lines.iter().any(|l| l.ends_with(&quoted)), "{lines:?}");
    // `*a` thirty times then a byte the name lacks: every split of the name is a try
    // for a backtracking matcher.
    let lines = c.expect(&format!("b LIST \"\" \"{}z\"", "*a".repeat(30)), "OK");
    assert!(!has(&lines, "* LIST"), "{lines:?}");
    let lines = c.expect(&format!("c LIST \"\" \"{}a\"", "*.%".repeat(29)), "OK");
    assert!(lines.iter().any(|l| l.ends_with(&quoted)), "{lines:?}");
    let lines = c.expect(&format!("d LIST \"\" \"{}\"", "%.".repeat(59) + "%"), "OK");
    assert!(lines.iter().any(|l| l.ends_with(&quoted)), "{lines:?}");

    let lines = c.cmd(&format!("e LIST \"\" \"{}\"", "*".repeat(1025)));
    assert_eq!(tagged(&lines), "e BAD LIST pattern too long");
    let lines = c.cmd(&format!("f LIST \"\" ({})", repeat("%", 33, " ")));
    assert_eq!(tagged(&lines), "f BAD Too many LIST patterns");
    c.expect("z LOGOUT", "OK");
}

/// One MULTIAPPEND message: `{n+}` CRLF and the message, after a space.
fn plus(msg: &str) -> String {
    format!(" {{{}+}}\r\n{msg}", msg.len())
}

/// MULTIAPPEND takes at most 500 messages and `IMAPD_APPENDTOTAL` bytes; beyond, NO [LIMIT],
/// none of the messages stored (RFC 3502: all or none), and the literals the client sends
/// regardless are read and dropped, so the next command is understood.
#[test]
fn multiappend_is_bounded_and_all_or_none() {
    let (dir, md) = maildir("multiappend");
    let mut c = session(&dir, &md, None, &[("IMAPD_APPENDTOTAL", "10000")]);

    let mut cmd = String::from("a APPEND INBOX");
    for _ in 0..501 {
        cmd.push_str(&plus("Subject: x\r\n\r\n."));
    }
    c.send(format!("{cmd}\r\nb NOOP\r\n").as_bytes());
    let lines = c.until_tagged("a");
    assert_eq!(
        tagged(&lines),
        "a NO [LIMIT] At most 500 messages in one APPEND"
    );
    let lines = c.until_tagged("b");
    assert_eq!(tagged(&lines), "b OK NOOP completed", "{lines:?}");
    assert!(names(&md.join("cur")).is_empty() && names(&md.join("new")).is_empty());
    assert!(
        names(&md.join("tmp")).is_empty(),
        "{:?}",
        names(&md.join("tmp"))
    );

    // 500 fit.
    let mut cmd = String::from("c APPEND INBOX");
    for _ in 0..500 {
        cmd.push_str(&plus("Subject: x\r\n\r\n."));
    }
    c.send(format!("{cmd}\r\n").as_bytes());
    let lines = c.until_tagged("c");
    assert!(tagged(&lines).starts_with("c OK [APPENDUID "), "{lines:?}");
    assert_eq!(names(&md.join("cur")).len(), 500);

    // Over 10,000 bytes together: the third of 4,000-byte messages is refused, this time
    // with a synchronizing literal, which never gets its `+`.
    let big = format!("Subject: y\r\n\r\n{}", "y".repeat(4000 - 15));
    c.send(
        format!(
            "d APPEND INBOX{}{} {{{}}}\r\n",
            plus(&big),
            plus(&big),
            big.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("d");
    assert_eq!(
        tagged(&lines),
        "d NO [LIMIT] At most 10000 bytes of messages in one APPEND"
    );
    assert!(!has(&lines, "+ "), "{lines:?}");
    c.expect("e NOOP", "OK");
    assert_eq!(names(&md.join("cur")).len(), 500);
    assert!(names(&md.join("tmp")).is_empty());

    // A second literal announced as 2^64 - 1 octets is over the total as well: the sum is
    // not allowed to wrap round to a small number.
    c.send(format!("f APPEND INBOX{} {{18446744073709551615}}\r\n", plus("x")).as_bytes());
    let lines = c.until_tagged("f");
    assert_eq!(
        tagged(&lines),
        "f NO [LIMIT] At most 10000 bytes of messages in one APPEND"
    );
    c.expect("g NOOP", "OK");
    assert!(names(&md.join("tmp")).is_empty());
    c.expect("z LOGOUT", "OK");
}
