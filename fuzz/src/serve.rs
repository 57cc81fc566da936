//! The serve role as a client drives it: random command streams (SELECT, FETCH, STORE,
//! COPY, MOVE, EXPUNGE, APPEND, RENAME, IDLE, ...) run by a real session against a
//! scratch Maildir made anew for every input (INBOX with five messages, the folders Sent
//! and Trash, one message each, and a Maildir++ quota that a few dozen APPENDs reach). Asserts: no panic; the output is well formed (every
//! response is `* `, `+ ` or `TAG OK|NO|BAD ` for a tag that begins a line of the input,
//! literals are whole), also after COMPRESS (RFC 4978), where the rest is inflated first;
//! the output is bounded (no more than the input could ask for: each input byte may fetch
//! every stored message once, plus 64 KiB). Run: `make fuzz
//! FUZZ_TARGET=serve` (seeds: `tests/bin/serve-seeds`); `make test` replays the seeds and
//! fuzz/regressions/serve.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

const MESSAGES: &[(&str, &str)] = &[
    ("1.M1P1Q1.fuzz:2,S", "From: a@example.org\nTo: b@example.net\nSubject: one\nDate: Mon, 7 Feb 1994 21:52:25 -0800\nMessage-ID: <1@fuzz>\n\nbody one\n"),
    ("2.M2P1Q2.fuzz:2,FS", "From: \"B\" <b@example.net>\nSubject: Re: one\nReferences: <1@fuzz>\nIn-Reply-To: <1@fuzz>\n\nbody two\n"),
    ("3.M3P1Q3.fuzz:2,", "Subject: =?utf-8?q?caf=C3=A9?=\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nthree\n--x\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n--x--\n"),
    ("4.M4P1Q4.fuzz:2,Ta", "Subject: four\n\nfour\n"),
    ("5.M5P1Q5.fuzz", "Subject: five\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nf=E9ve\n"),
];

/// The scratch directory of this process: the Maildir and the output file.
pub fn scratch() -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!("imapd-fuzz-serve-{}", std::process::id()))
}

fn make_maildir(root: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(root);
    for dir in [root.to_path_buf(), root.join(".Sent"), root.join(".Trash")] {
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
    }
    for (i, (name, text)) in MESSAGES.iter().enumerate() {
        let sub = if name.contains(":2,") { "cur" } else { "new" };
        // the first with its sizes in the name, as Dovecot's LDA writes them
        let name = match (i, name.split_once(":2,")) {
            (0, Some((base, flags))) => {
                format!(
                    "{base},S={},W={}:2,{flags}",
                    text.len(),
                    text.len() + text.matches('\n').count()
                )
            }
            _ => name.to_string(),
        };
        std::fs::write(root.join(sub).join(name), text)?;
    }
    for f in [".Sent", ".Trash"] {
        std::fs::write(root.join(f).join("maildirfolder"), "")?;
        std::fs::write(
            root.join(f).join("cur").join("9.M9P1Q9.fuzz:2,S"),
            MESSAGES[0].1,
        )?;
    }
    std::fs::write(root.join("maildirsize"), "100000S,50C\n")?;
    std::fs::write(root.join("dovecot-keywords"), "0 $Forwarded\n")?;
    std::fs::write(root.join("subscriptions"), "V\t2\n\nSent\n")
}

/// The most inflated input looked at for tags; past it any tag is taken.
const MAX_INFLATED: usize = 16 << 20;

/// The first word of every line of the input, and of what follows a `COMPRESS DEFLATE`
/// line inflated as far as it goes: the tags a response may carry (`None`: any, when the
/// inflated input is larger than [`MAX_INFLATED`]).
fn tags(input: &[u8]) -> Option<HashSet<Vec<u8>>> {
    let mut text = input.to_vec();
    let mut at = 0;
    for line in input.split(|&b| b == b'\n') {
        at += line.len() + 1;
        let words: Vec<&[u8]> = line.trim_ascii_end().split(|&b| b == b' ').collect();
        if let [_, c, d] = words[..] {
            if c.eq_ignore_ascii_case(b"COMPRESS") && d.eq_ignore_ascii_case(b"DEFLATE") {
                let rest = input.get(at..).unwrap_or_default();
                let mut z = flate2::Decompress::new(false);
                let mut out = Vec::with_capacity(MAX_INFLATED + 1);
                // As far as it inflates: the session ends where it stops.
                let _ = z.decompress_vec(rest, &mut out, flate2::FlushDecompress::Sync);
                if out.len() > MAX_INFLATED {
                    return None;
                }
                text.push(b'\n');
                text.extend_from_slice(&out);
                break;
            }
        }
    }
    Some(
        text.split(|&b| b == b'\n')
            .filter_map(|l| l.split(|&b| b == b' ').next())
            .map(|t| t.strip_suffix(b"\r").unwrap_or(t).to_vec())
            .collect(),
    )
}

/// What follows COMPRESS's tagged OK, inflated as a client would (raw DEFLATE).
fn inflate(wire: &[u8]) -> Vec<u8> {
    let mut d = flate2::Decompress::new(false);
    let mut out = Vec::with_capacity(wire.len() * 4 + 1024);
    let mut rest = wire;
    loop {
        let before = d.total_in();
        d.decompress_vec(rest, &mut out, flate2::FlushDecompress::Sync)
            .expect("the server's DEFLATE stream inflates");
        rest = &rest[(d.total_in() - before) as usize..];
        if rest.is_empty() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(out.capacity());
    }
}

/// Checks the output response by response: its first word, and that literals are whole.
fn check_output(out: &[u8], sent: &Option<HashSet<Vec<u8>>>) {
    let mut rest = out;
    while !rest.is_empty() {
        let first = rest;
        // one response: lines joined by literals
        loop {
            let end = memchr(rest).unwrap_or_else(|| {
                panic!(
                    "a response without CRLF at its end: {:?}",
                    String::from_utf8_lossy(&rest[..rest.len().min(200)])
                )
            });
            let line = &rest[..end];
            rest = &rest[end + 2..];
            match literal_len(line) {
                Some(n) => {
                    assert!(rest.len() >= n, "a literal of {n} bytes cut short");
                    rest = &rest[n..];
                }
                None => break,
            }
        }
        let word = first.split(|&b| b == b' ').next().unwrap_or(b"");
        if word == b"*" || word == b"+" {
            continue;
        }
        assert!(
            sent.as_ref().is_none_or(|s| s.contains(word)),
            "a response tagged {:?}, a tag never sent",
            String::from_utf8_lossy(word)
        );
        let status = first[word.len()..]
            .split(|&b| b == b' ')
            .nth(1)
            .unwrap_or(b"");
        assert!(
            matches!(status, b"OK" | b"NO" | b"BAD"),
            "tagged response {:?}",
            String::from_utf8_lossy(&first[..first.len().min(100)])
        );
        if first[word.len()..].starts_with(b" OK DEFLATE active\r\n") {
            return check_output(&inflate(rest), sent);
        }
    }
}

fn memchr(s: &[u8]) -> Option<usize> {
    s.windows(2).position(|w| w == b"\r\n")
}

/// `{n}` (or `~{n}`, RFC 3516) at the end of a line.
fn literal_len(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&body[open + 1..]).ok()?.parse().ok()
}

/// Runs one input as a session's command stream; a panic is a finding.
pub fn check(data: &[u8]) {
    let root = scratch();
    let m = root.join("Maildir");
    if make_maildir(&m).is_err() {
        return;
    }
    let out_path = root.join("out");
    let Ok(sink) = std::fs::File::create(&out_path) else {
        return;
    };
    let _why = imapd::session::fuzz_serve(data, &m, sink);
    let out = std::fs::read(&out_path).unwrap_or_default();
    let stored: usize = MESSAGES.iter().map(|(_, t)| t.len() * 2).sum::<usize>() + 256;
    let input = data.len().min(60000);
    assert!(
        out.len() <= 65536 + input * stored,
        "{} bytes of output for {input} bytes of input",
        out.len()
    );
    check_output(&out, &tags(&data[..input]));
}
