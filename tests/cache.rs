//! The folder cache (`imapd.cache`, `imapd.journal`) changes nothing a client sees: every
//! FETCH, SORT, THREAD and SEARCH answers byte for byte as it does with no `imapd.*`
//! files, whether the answer comes from the journal, the merged cdb or the messages, and
//! when the files are deleted, truncated or garbled in the middle of a session (DESIGN.md
//! 3: they may be deleted at any time; they only save time).
//!
//! The folder holds the test corpus and the hostile messages six times over, under the
//! three ways deliveries name files (no sizes, `,S=`, `,S=` and `,W=`), so that the cache
//! passes its merge threshold and the cdb is used as well as the journal.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use common::TempDir;
use fixture::{crlf, Session};

/// Exercised on every message (RFC 3501 6.4.5, RFC 5256, RFC 3501 6.4.4); none sets a
/// flag, so every pass sees the same folder.
const COMMANDS: &[&str] = &[
    "FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)",
    "FETCH 1:* (ENVELOPE BODYSTRUCTURE)",
    "FETCH 1:* BODY",
    "FETCH 1:* FAST",
    "FETCH 1:* ALL",
    "FETCH 1:* FULL",
    "FETCH 1:* BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]",
    // Thunderbird's, mutt's and Apple Mail's listing fetches.
    "UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])",
    "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST X-LABEL)])",
    "UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM TO CC BCC SUBJECT DATE MESSAGE-ID REFERENCES IN-REPLY-TO X-PRIORITY X-UNIVERSALLY-UNIQUE-IDENTIFIER CONTENT-TYPE)] ENVELOPE BODYSTRUCTURE)",
    "FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]<3.10>",
    "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (\"subject\" X-MAILER)] INTERNALDATE)",
    "FETCH 1:* BODY.PEEK[HEADER.FIELDS (RECEIVED SUBJECT)]",
    "FETCH 1:* BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)]",
    "FETCH 1:* RFC822.HEADER",
    "FETCH 1:* (BODY.PEEK[HEADER] RFC822.SIZE)",
    "FETCH 1:* (BODY.PEEK[TEXT]<0.40> BODYSTRUCTURE)",
    "FETCH 1:* (BODY.PEEK[1.MIME] BINARY.SIZE[1])",
    "SORT (DATE) UTF-8 ALL",
    "SORT (ARRIVAL) UTF-8 ALL",
    "SORT (SUBJECT) UTF-8 ALL",
    "SORT (FROM) UTF-8 ALL",
    "SORT (TO) UTF-8 ALL",
    "SORT (CC) UTF-8 ALL",
    "SORT (SIZE) UTF-8 ALL",
    "SORT (REVERSE DATE SUBJECT) UTF-8 ALL",
    "UID SORT (REVERSE SIZE FROM) UTF-8 SUBJECT a",
    "THREAD REFERENCES UTF-8 ALL",
    "THREAD ORDEREDSUBJECT UTF-8 ALL",
    "UID THREAD REFERENCES UTF-8 FROM a",
    "SEARCH FROM a",
    "SEARCH TO example",
    "SEARCH CC c",
    "SEARCH BCC b",
    "SEARCH SUBJECT re",
    "SEARCH HEADER Message-ID @",
    "SEARCH HEADER X-Mailer \"\"",
    "SEARCH HEADER Received by",
    "SEARCH SENTBEFORE 1-Jan-2010",
    "SEARCH SENTSINCE 1-Jan-2000",
    "SEARCH SENTON 2-Jan-2024",
    "SEARCH OR FROM a BODY the",
    "SEARCH TEXT message",
    "SEARCH LARGER 2000 SMALLER 100000",
    "SEARCH BEFORE 1-Jan-2021",
    // RFC 8438: the sum of RFC822.SIZE, from names and cached sizes.
    "STATUS INBOX (MESSAGES SIZE)",
];

fn messages() -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for dir in ["tests/corpus", "tests/hostile"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        all.extend(files.iter().map(|p| std::fs::read(p).unwrap()));
    }
    all
}

/// A Maildir holding [`messages`] six times, with its uidlist.
fn folder(name: &str) -> (TempDir, PathBuf) {
    let (dir, md) = common::maildir(name);
    let mut list = String::new();
    let mut uid = 0;
    for round in 0..6 {
        for content in messages() {
            uid += 1;
            let sizes = match (uid + round) % 3 {
                0 => String::new(),
                1 => format!(",S={}", content.len()),
                _ => format!(",S={},W={}", content.len(), crlf(&content).len()),
            };
            let base = format!("{}.M{uid}P1.cache{sizes}", 1_600_000_000 + uid);
            let path = md.join("cur").join(format!("{base}:2,"));
            std::fs::write(&path, &content).unwrap();
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(UNIX_EPOCH + Duration::from_secs(1_600_000_000 + uid * 3600))
                .unwrap();
            list.push_str(&format!("{uid} :{base}\n"));
        }
    }
    let head = format!(
        "3 V1234567 N{} G0123456789abcdef0123456789abcdef\n",
        uid + 1
    );
    std::fs::write(md.join("dovecot-uidlist"), head + &list).unwrap();
    (dir, md)
}

fn session(dir: &TempDir, md: &Path) -> Session {
    let mut cmd = common::serve_cmd(dir, Some(md));
    cmd.env("TZ", "UTC");
    let mut s = Session::preauth(cmd);
    assert!(s.run("S0 SELECT INBOX").ok());
    s
}

/// One command's answer without its tag: the untagged lines and the tagged status.
type Answer = (Vec<Vec<u8>>, String);

fn answer(s: &mut Session, command: &str) -> Answer {
    let r = s.cmd(command);
    let status = r.tagged.split_once(' ').unwrap().1.to_string();
    assert!(status.starts_with("OK"), "{command}: {status}");
    (r.untagged, status)
}

fn remove_cache(md: &Path) {
    for f in ["imapd.cache", "imapd.journal"] {
        let _ = std::fs::remove_file(md.join(f));
    }
}

/// What each command answers with no cache at all: its files are removed before each.
fn uncached(dir: &TempDir, md: &Path) -> Vec<Answer> {
    let mut s = session(dir, md);
    COMMANDS
        .iter()
        .map(|c| {
            remove_cache(md);
            answer(&mut s, c)
        })
        .collect()
}

fn assert_same(got: &[Answer], want: &[Answer], pass: &str) {
    for ((g, w), c) in got.iter().zip(want).zip(COMMANDS) {
        if g != w {
            let first = g.0.iter().zip(&w.0).position(|(a, b)| a != b);
            let shown = first.map(|i| {
                (
                    String::from_utf8_lossy(&g.0[i]).into_owned(),
                    String::from_utf8_lossy(&w.0[i]).into_owned(),
                )
            });
            panic!(
                "{pass}: {c} differs: {shown:?} / {} vs {} lines",
                g.0.len(),
                w.0.len()
            );
        }
    }
}

#[test]
fn cached_answers_are_the_answers_without_a_cache() {
    let (dir, md) = folder("same");
    let want = uncached(&dir, &md);
    // Cold: the first pass fills the cache, the second in the same session reads it.
    remove_cache(&md);
    let mut s = session(&dir, &md);
    let cold: Vec<Answer> = COMMANDS.iter().map(|c| answer(&mut s, c)).collect();
    let again: Vec<Answer> = COMMANDS.iter().map(|c| answer(&mut s, c)).collect();
    drop(s);
    assert_same(&cold, &want, "cold");
    assert_same(&again, &want, "same session");
    assert!(md.join("imapd.cache").exists(), "the journal was merged");
    // Warm, in a new session.
    let mut s = session(&dir, &md);
    let warm: Vec<Answer> = COMMANDS.iter().map(|c| answer(&mut s, c)).collect();
    assert_same(&warm, &want, "warm");
}

/// Replaces `path` by `bytes` through a rename, as a file is never changed in place by
/// imapd (a session may have the cdb mapped).
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Something done to the cache files before a command.
type Harm<'a> = Box<dyn Fn(&Path) + 'a>;

#[test]
fn deleted_truncated_or_garbled_cache_files_change_nothing() {
    let (dir, md) = folder("damage");
    let want = uncached(&dir, &md);
    let mut s = session(&dir, &md);
    for c in COMMANDS {
        answer(&mut s, c);
    }
    let cache = std::fs::read(md.join("imapd.cache")).unwrap();
    // Some entries in a journal beside it too.
    remove_cache(&md);
    answer(&mut s, "FETCH 1:20 (ENVELOPE BODYSTRUCTURE)");
    std::fs::write(md.join("imapd.cache"), &cache).unwrap();
    let journal = std::fs::read(md.join("imapd.journal")).unwrap();
    let garbled = |b: &[u8]| -> Vec<u8> {
        let mut v = b.to_vec();
        for i in (0..v.len()).step_by(97) {
            v[i] ^= 0x5a;
        }
        v
    };
    let damage: [(&str, Harm); 5] = [
        ("deleted", Box::new(remove_cache)),
        (
            "truncated",
            Box::new(|md: &Path| {
                replace(&md.join("imapd.cache"), &cache[..cache.len() * 2 / 3]);
                replace(&md.join("imapd.journal"), &journal[..journal.len() / 2 + 7]);
            }),
        ),
        (
            "garbled",
            Box::new(|md: &Path| {
                replace(&md.join("imapd.cache"), &garbled(&cache));
                replace(&md.join("imapd.journal"), &garbled(&journal));
            }),
        ),
        (
            "garbled in place",
            Box::new(|md: &Path| {
                replace(&md.join("imapd.cache"), &cache);
                let mut f = std::fs::File::options()
                    .write(true)
                    .open(md.join("imapd.cache"))
                    .unwrap();
                use std::io::{Seek, SeekFrom, Write};
                for at in (2048..cache.len() as u64).step_by(4099) {
                    f.seek(SeekFrom::Start(at)).unwrap();
                    f.write_all(b"\xff\x00").unwrap();
                }
            }),
        ),
        (
            "intact again",
            Box::new(|md: &Path| {
                replace(&md.join("imapd.cache"), &cache);
                replace(&md.join("imapd.journal"), &journal);
            }),
        ),
    ];
    for (what, harm) in &damage {
        let got: Vec<Answer> = COMMANDS
            .iter()
            .map(|c| {
                harm(&md);
                answer(&mut s, c)
            })
            .collect();
        assert_same(&got, &want, what);
    }
}
