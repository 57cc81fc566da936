//! Maildir++ quota, as Courier's maildir quota notes define it and Dovecot, maildrop,
//! deliverquota and vpopmail keep it: the file `maildirsize` at the top of the Maildir.
//! Its first line holds the limits the administrator or the MTA set (`1000000S,1000C`:
//! bytes, messages; either may be missing, and 0 means none); each line after it is one
//! change, `<bytes> <messages>`, negative for removals, and the usage is their sum.
//!
//! Whoever adds or removes mail appends its line with `O_APPEND` in one `write(2)`, so the
//! MTA, Dovecot and `imapd` share the file without a lock. The sum is counted anew from the
//! message files when the file has grown past [`MAX_FILE`] bytes, has no usage line or one
//! that does not parse, or says the Maildir is over quota while no one has written to it
//! for [`STALE`]; the file is then replaced by its limit line, kept as it was, and one line
//! with the count. No `maildirsize`: no quota. `imapd` never creates the file: the limits
//! are not its to choose.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{durable, folder, message_file, scan, MaildirError};

/// The file's name, at the top of the Maildir.
pub const FILE: &str = "maildirsize";

/// A file longer than this is counted anew (the Maildir++ notes' 5120 bytes).
const MAX_FILE: u64 = 5120;

/// A file over quota that nobody has written to for this long is counted anew: mail may
/// have gone without a line saying so (the notes' 15 minutes).
const STALE: Duration = Duration::from_secs(15 * 60);

/// Opening `maildirsize` never waits (see [`read`]).
const NONBLOCK: i32 = rustix::fs::OFlags::NONBLOCK.bits() as i32;

/// How many times a count is made again when mail arrived or left while it ran; after the
/// last it is taken as it is, and a later count corrects it.
const COUNT_TRIES: usize = 3;

/// What messages take, or what some of them would add.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub messages: u64,
}

impl Usage {
    /// One message of `bytes`.
    pub fn message(bytes: u64) -> Usage {
        Usage { bytes, messages: 1 }
    }

    /// `self` and `other` together.
    pub fn plus(self, other: Usage) -> Usage {
        Usage {
            bytes: self.bytes.saturating_add(other.bytes),
            messages: self.messages.saturating_add(other.messages),
        }
    }
}

/// The limits of the first line; `None`: that resource has no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub bytes: Option<u64>,
    pub messages: Option<u64>,
}

/// The quota of one Maildir: its limits and what its messages take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limits: Limits,
    pub usage: Usage,
    /// The limit line as the file has it, kept when the file is rewritten.
    line: Vec<u8>,
    /// The file was last written longer than [`STALE`] ago and not counted since.
    stale: bool,
}

impl Quota {
    /// Whether adding `more` would pass a limit (reaching one exactly is allowed).
    pub fn exceeded_by(&self, more: Usage) -> bool {
        let over = |used: u64, add: u64, limit: Option<u64>| {
            limit.is_some_and(|l| used.saturating_add(add) > l)
        };
        over(self.usage.bytes, more.bytes, self.limits.bytes)
            || over(self.usage.messages, more.messages, self.limits.messages)
    }

    /// Whether `more` fits. When it does not and the file is [`STALE`], the Maildir is
    /// counted first: a stale sum must not refuse mail that fits.
    pub fn admits(&mut self, root: &Path, more: Usage) -> bool {
        if self.exceeded_by(more) && self.stale {
            self.usage = recount(root, &self.line);
            self.stale = false;
        }
        !self.exceeded_by(more)
    }
}

/// The quota of the Maildir `root`, counted anew where the Maildir++ notes say; `Ok(None)`:
/// there is no `maildirsize`, or its limit line does not parse (logged: it is the
/// administrator's, and is left alone).
pub fn read(root: &Path) -> Result<Option<Quota>, MaildirError> {
    let path = root.join(FILE);
    // Non-blocking: a FIFO planted under the name must not hold the session.
    let mut file = match File::options()
        .read(true)
        .custom_flags(NONBLOCK)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(MaildirError::io(&path)(e)),
    };
    let meta = file.metadata().map_err(MaildirError::io(&path))?;
    if !meta.is_file() {
        crate::log!("{}: not a regular file; no quota", path.display());
        return Ok(None);
    }
    let mut content = Vec::new();
    (&mut file)
        .take(MAX_FILE + 1)
        .read_to_end(&mut content)
        .map_err(MaildirError::io(&path))?;
    let complete = content.len() as u64 <= MAX_FILE;
    let Some((line, limits, usage)) = parse(&content, complete) else {
        crate::log!(
            "{}: the limit line does not parse; no quota",
            path.display()
        );
        return Ok(None);
    };
    let stale = meta
        .modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE);
    let mut quota = Quota {
        limits,
        usage: usage.unwrap_or_default(),
        line: line.to_vec(),
        stale,
    };
    if usage.is_none() || (stale && quota.exceeded_by(Usage::default())) {
        quota.usage = recount(root, &quota.line);
        quota.stale = false;
    }
    Ok(Some(quota))
}

/// Whether the Maildir has a quota file at all: where telling removals costs a count of
/// their own (a deleted folder), it is made only then.
pub fn enabled(root: &Path) -> bool {
    root.join(FILE).exists()
}

/// Records that `u` was added: one line appended. Nothing without a `maildirsize`.
pub fn added(root: &Path, u: Usage) -> Result<(), MaildirError> {
    append(root, signed(u.bytes), signed(u.messages))
}

/// Records that `u` was removed: one line of negative numbers.
pub fn removed(root: &Path, u: Usage) -> Result<(), MaildirError> {
    append(root, -signed(u.bytes), -signed(u.messages))
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Appends `bytes messages` in one write, never creating the file, and syncs it.
fn append(root: &Path, bytes: i64, messages: i64) -> Result<(), MaildirError> {
    if bytes == 0 && messages == 0 {
        return Ok(());
    }
    let path = root.join(FILE);
    let mut file = match File::options()
        .append(true)
        .custom_flags(NONBLOCK)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(MaildirError::io(&path)(e)),
    };
    // One write(2): an O_APPEND write of a few bytes lands whole, after any other's.
    let line = format!("{bytes} {messages}\n");
    let written = file
        .write(line.as_bytes())
        .and_then(|n| match n == line.len() {
            true => file.sync_data(),
            false => Err(io::Error::new(io::ErrorKind::WriteZero, "short write")),
        });
    written.map_err(MaildirError::io(&path))
}

/// What the messages of one folder (`new/` and `cur/` of `dir`) take.
pub fn count_folder(dir: &Path) -> Result<Usage, MaildirError> {
    let mut usage = Usage::default();
    let (new, cur) = (dir.join("new"), dir.join("cur"));
    scan::each(dir, |name, in_new| {
        let sub = if in_new { &new } else { &cur };
        if let Some(n) = file_size(&sub.join(std::ffi::OsStr::from_bytes(name))) {
            usage = usage.plus(Usage::message(n));
        }
        true
    })?;
    Ok(usage)
}

/// The size a message file counts for: `,S=` in its name, else what `stat` says. `None`:
/// the file is gone.
pub fn file_size(path: &Path) -> Option<u64> {
    let name = path.file_name()?.as_bytes();
    message_file::disk_size_from_name(name).or_else(|| Some(std::fs::metadata(path).ok()?.len()))
}

/// Counts every folder of `root` (INBOX and each `.Folder` Maildir) and replaces the file
/// with `line` and the count. The count is made again when a `new/` or `cur/` changed
/// meanwhile. A failure to count or to write is logged; what was counted is used.
fn recount(root: &Path, line: &[u8]) -> Usage {
    let mut usage = Usage::default();
    for _ in 0..COUNT_TRIES {
        let dirs = match folders(root) {
            Ok(d) => d,
            Err(e) => {
                crate::log!("quota: listing the folders: {e}");
                return usage;
            }
        };
        let before = mtimes(&dirs);
        usage = Usage::default();
        for dir in &dirs {
            match count_folder(dir) {
                Ok(u) => usage = usage.plus(u),
                // A folder deleted while counting counts for nothing.
                Err(e) => crate::log!("quota: counting {}: {e}", dir.display()),
            }
        }
        if mtimes(&dirs) == before {
            break;
        }
    }
    let mut content = line.to_vec();
    content.extend_from_slice(format!("\n{} {}\n", usage.bytes, usage.messages).as_bytes());
    if let Err(e) = durable::replace(&root.join(FILE), &content) {
        crate::log!("quota: rewriting {FILE}: {e}");
    }
    usage
}

/// INBOX (`root`) and every Maildir++ folder under it.
fn folders(root: &Path) -> Result<Vec<PathBuf>, MaildirError> {
    let mut dirs = vec![root.to_path_buf()];
    for e in std::fs::read_dir(root).map_err(MaildirError::io(root))? {
        let e = e.map_err(MaildirError::io(root))?;
        if e.file_name().as_bytes().starts_with(b".") && folder::is_mailbox(&e.path()) {
            dirs.push(e.path());
        }
    }
    Ok(dirs)
}

/// The mtimes of `new/` and `cur/` of each of `dirs`; a missing one is `None`.
fn mtimes(dirs: &[PathBuf]) -> Vec<Option<SystemTime>> {
    dirs.iter()
        .flat_map(|d| [d.join("new"), d.join("cur")])
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

/// The limit line, the limits, and the sum of the usage lines: `None` for the sum when
/// there is none, one does not parse, it is negative, or the file was longer than
/// [`MAX_FILE`] (`complete` false: the lines were not all read). `None` when the limit
/// line does not parse.
fn parse(content: &[u8], complete: bool) -> Option<(&[u8], Limits, Option<Usage>)> {
    let end = memchr::memchr(b'\n', content);
    if end.is_none() && !complete {
        return None;
    }
    let line = &content[..end.unwrap_or(content.len())];
    let limits = parse_limits(line)?;
    let rest = end.map_or(&[][..], |e| &content[e + 1..]);
    let usage = if complete { sum(rest) } else { None };
    Some((line, limits, usage))
}

/// `<n>S,<n>C`, in either order, either missing; 0 is no limit, as Courier and Dovecot
/// read it.
fn parse_limits(line: &[u8]) -> Option<Limits> {
    let mut limits = Limits::default();
    for item in line.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
        let Some((&unit, digits)) = item.split_last() else {
            continue;
        };
        let n = number(digits)?;
        let limit = (n > 0).then_some(n);
        match unit {
            b'S' => limits.bytes = limit,
            b'C' => limits.messages = limit,
            _ => return None,
        }
    }
    Some(limits)
}

/// The sum of the `<bytes> <messages>` lines; `None` when there is none, one does not
/// parse, or the sum is negative.
fn sum(lines: &[u8]) -> Option<Usage> {
    let (mut bytes, mut messages, mut seen) = (0i64, 0i64, false);
    for line in lines.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let mut fields = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let b = signed_number(fields.next()?)?;
        let m = signed_number(fields.next()?)?;
        if fields.next().is_some() {
            return None;
        }
        bytes = bytes.checked_add(b)?;
        messages = messages.checked_add(m)?;
        seen = true;
    }
    Some(Usage {
        bytes: u64::try_from(bytes).ok()?,
        messages: u64::try_from(messages).ok()?,
    })
    .filter(|_| seen)
}

/// A decimal number of at most 19 digits.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
}

fn signed_number(field: &[u8]) -> Option<i64> {
    match field.split_first() {
        Some((b'-', digits)) => Some(-i64::try_from(number(digits)?).ok()?),
        _ => i64::try_from(number(field)?).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let d = std::env::temp_dir().join(format!("imapd-quota-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            for sub in ["tmp", "new", "cur", ".Sent/tmp", ".Sent/new", ".Sent/cur"] {
                std::fs::create_dir_all(d.join(sub)).unwrap();
            }
            Dir(d)
        }

        fn put(&self, rel: &str, content: &[u8]) {
            std::fs::write(self.0.join(rel), content).unwrap();
        }

        fn file(&self) -> String {
            String::from_utf8(std::fs::read(self.0.join(FILE)).unwrap()).unwrap()
        }

        fn age(&self, secs: u64) {
            let f = File::options().write(true).open(self.0.join(FILE)).unwrap();
            f.set_modified(SystemTime::now() - Duration::from_secs(secs))
                .unwrap();
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Two messages in INBOX (sizes from `,S=`, and from stat), one in a folder.
    fn filled(name: &str) -> Dir {
        let d = Dir::new(name);
        d.put("cur/1.M1P1.h,S=1000,W=1020:2,S", b"ignored: the name says");
        d.put("new/2.M2P2.h", b"twelve bytes");
        d.put(".Sent/cur/3.M3P3.h,S=500:2,", b"");
        d
    }

    #[test]
    fn limits_and_lines_parse() {
        // The notes' format: the limit line, then "bytes count" lines, negative ones too.
        let (line, limits, usage) = parse(b"1000000S,1000C\n300 2\n-100 -1\n", true).unwrap();
        assert_eq!(line, b"1000000S,1000C");
        assert_eq!(
            limits,
            Limits {
                bytes: Some(1000000),
                messages: Some(1000)
            }
        );
        assert_eq!(
            usage,
            Some(Usage {
                bytes: 200,
                messages: 1
            })
        );
        // Either limit alone, in either order; 0 is no limit; padded lines as Courier
        // writes them.
        assert_eq!(
            parse(b"10C,0S\n  12    1\n", true).unwrap().1,
            Limits {
                bytes: None,
                messages: Some(10)
            }
        );
        assert_eq!(parse(b"5000S\n", true).unwrap().1.bytes, Some(5000));
        // A limit line that does not parse: no quota at all.
        assert_eq!(parse(b"lots\n1 1\n", true), None);
        assert_eq!(parse(b"100X\n1 1\n", true), None);
        // Lines that do not parse, none at all, a negative sum, or a file too long to
        // read whole: the usage must be counted.
        for bad in [
            &b"100S\n12\n"[..],
            b"100S\n1 1 1\n",
            b"100S\nabc 1\n",
            b"100S\n",
            b"100S",
            b"100S\n-5 -1\n",
            b"100S\n99999999999999999999 1\n",
        ] {
            assert_eq!(parse(bad, true).unwrap().2, None, "{bad:?}");
        }
        assert_eq!(parse(b"100S\n1 1\n", false).unwrap().2, None);
    }

    #[test]
    fn no_file_no_quota() {
        let d = filled("none");
        assert_eq!(read(&d.0).unwrap(), None);
        // Appending never creates the file: the limits are the administrator's.
        added(&d.0, Usage::message(10)).unwrap();
        assert!(!d.0.join(FILE).exists());
    }

    #[test]
    fn not_a_file_no_quota() {
        // A FIFO under the name: neither read nor written waits for it.
        let d = filled("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(d.0.join(FILE))
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(read(&d.0).unwrap(), None);
        assert!(added(&d.0, Usage::message(10)).is_err());
    }

    #[test]
    fn lines_appended_and_summed() {
        let d = filled("append");
        d.put(FILE, b"2000S,10C\n1512 3\n");
        added(&d.0, Usage::message(100)).unwrap();
        removed(
            &d.0,
            Usage {
                bytes: 40,
                messages: 1,
            },
        )
        .unwrap();
        assert_eq!(d.file(), "2000S,10C\n1512 3\n100 1\n-40 -1\n");
        let q = read(&d.0).unwrap().unwrap();
        assert_eq!(
            q.usage,
            Usage {
                bytes: 1572,
                messages: 3
            }
        );
        // Reaching a limit exactly is allowed, passing it is not.
        assert!(!q.exceeded_by(Usage::message(428)));
        assert!(q.exceeded_by(Usage::message(429)));
        assert!(q.exceeded_by(Usage {
            bytes: 0,
            messages: 8
        }));
    }

    #[test]
    fn counted_when_a_line_is_bad_or_missing() {
        // ,S= where the name has it (1000, 500), else the file's size (12).
        let counted = "1000000S,1000C\n1512 3\n";
        for content in [&b"1000000S,1000C\n5 x\n"[..], b"1000000S,1000C\n"] {
            let d = filled("badline");
            d.put(FILE, content);
            let q = read(&d.0).unwrap().unwrap();
            assert_eq!(
                q.usage,
                Usage {
                    bytes: 1512,
                    messages: 3
                }
            );
            assert_eq!(d.file(), counted);
            // Written through tmp/, nothing left there.
            assert_eq!(std::fs::read_dir(d.0.join("tmp")).unwrap().count(), 0);
        }
    }

    #[test]
    fn counted_when_the_file_grew_too_long() {
        let d = filled("long");
        let mut content = b"9000S".to_vec();
        while content.len() as u64 <= MAX_FILE {
            content.extend_from_slice(b"\n1 0");
        }
        content.push(b'\n');
        d.put(FILE, &content);
        assert_eq!(read(&d.0).unwrap().unwrap().usage.bytes, 1512);
        assert_eq!(d.file(), "9000S\n1512 3\n");
    }

    #[test]
    fn counted_when_over_quota_and_stale() {
        // The file says 5000 bytes, over the limit; the messages take 1512.
        let d = filled("stale");
        d.put(FILE, b"2000S\n5000 3\n");
        // Written to a minute ago: believed.
        d.age(60);
        assert_eq!(read(&d.0).unwrap().unwrap().usage.bytes, 5000);
        // Untouched for 16 minutes: counted.
        d.age(16 * 60);
        assert_eq!(read(&d.0).unwrap().unwrap().usage.bytes, 1512);
        assert_eq!(d.file(), "2000S\n1512 3\n");
        // Stale but under quota: believed, until an addition would not fit; then counted
        // before refusing.
        d.put(FILE, b"2000S\n1900 3\n");
        d.age(16 * 60);
        let mut q = read(&d.0).unwrap().unwrap();
        assert_eq!(q.usage.bytes, 1900);
        assert!(q.admits(&d.0, Usage::message(400)));
        assert_eq!(q.usage.bytes, 1512);
        assert!(!q.admits(&d.0, Usage::message(600)));
    }

    #[test]
    fn a_folder_counted() {
        let d = filled("folder");
        assert_eq!(
            count_folder(&d.0.join(".Sent")).unwrap(),
            Usage::message(500)
        );
        assert_eq!(
            count_folder(&d.0).unwrap(),
            Usage {
                bytes: 1012,
                messages: 2
            }
        );
    }
}
