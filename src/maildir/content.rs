//! Message files as IMAP serves them: stored with LF line ends, served with CRLF (an LF that
//! already follows a CR is left alone), and every size counted as served.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

const CHUNK: usize = 65536;

/// The served size recorded in a Maildir name (`,W=<n>`), when there is one.
pub fn size_from_name(name: &[u8]) -> Option<u64> {
    let base = super::flags::base(name);
    let at = memchr::memmem::rfind(base, b",W=")?;
    let digits = &base[at + 3..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// The size of a message as served (RFC822.SIZE): from its name's `,W=` when there, else
/// by reading the file at `path`.
pub fn size(name: &[u8], path: &std::path::Path) -> io::Result<u64> {
    match size_from_name(name) {
        Some(n) => Ok(n),
        None => served_size(&mut File::open(path)?),
    }
}

/// Calls `f` with the served bytes of the file, chunk by chunk, until it returns false.
fn served_chunks(file: &mut File, mut f: impl FnMut(&[u8]) -> io::Result<bool>) -> io::Result<()> {
    file.seek(SeekFrom::Start(0))?;
    let mut raw = vec![0u8; CHUNK];
    let mut out = Vec::with_capacity(CHUNK * 2);
    let mut prev = 0u8;
    loop {
        let n = match file.read(&mut raw) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.clear();
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', &raw[..n]) {
            let before = if i == 0 { prev } else { raw[i - 1] };
            if before != b'\r' {
                out.extend_from_slice(&raw[start..i]);
                out.extend_from_slice(b"\r\n");
                start = i + 1;
            }
        }
        out.extend_from_slice(&raw[start..n]);
        prev = raw[n - 1];
        if !f(&out)? {
            return Ok(());
        }
    }
}

/// The size of the file as served.
pub fn served_size(file: &mut File) -> io::Result<u64> {
    let mut size = 0u64;
    served_chunks(file, |c| {
        size += c.len() as u64;
        Ok(true)
    })?;
    Ok(size)
}

/// Writes `len` served bytes starting at served offset `offset`. The caller has already
/// announced `len` in a literal, so exactly `len` bytes are written: should the file have
/// shrunk meanwhile (it never should), the rest is padded with spaces to keep the stream
/// in step.
pub fn copy_served(file: &mut File, out: &mut impl Write, offset: u64, len: u64) -> io::Result<()> {
    let mut pos = 0u64;
    let end = offset + len;
    let mut written = 0u64;
    served_chunks(file, |c| {
        let (from, to) = (pos, pos + c.len() as u64);
        pos = to;
        if to > offset && from < end {
            let a = offset.saturating_sub(from) as usize;
            let b = (end.min(to) - from) as usize;
            out.write_all(&c[a..b])?;
            written += (b - a) as u64;
        }
        Ok(pos < end)
    })?;
    for _ in written..len {
        out.write_all(b" ")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_sizes_and_windows() {
        let path = std::env::temp_dir().join(format!("imapd-content-{}", std::process::id()));
        std::fs::write(&path, b"a\nb\r\nc\n").unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(served_size(&mut file).unwrap(), 9);
        let mut window = |o, n| {
            let mut v = Vec::new();
            copy_served(&mut file, &mut v, o, n).unwrap();
            v
        };
        assert_eq!(window(0, 9), b"a\r\nb\r\nc\r\n");
        assert_eq!(window(1, 3), b"\r\nb");
        assert_eq!(window(2, 1), b"\n");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(size_from_name(b"1.M2P3.host,S=100,W=104:2,S"), Some(104));
        assert_eq!(size_from_name(b"1.M2P3.host,S=100:2,S"), None);
    }

    #[test]
    fn lf_after_cr_at_a_chunk_edge_stays_single() {
        let path = std::env::temp_dir().join(format!("imapd-edge-{}", std::process::id()));
        let mut data = vec![b'x'; CHUNK - 1];
        data.extend_from_slice(b"\r\n\n");
        std::fs::write(&path, &data).unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(served_size(&mut file).unwrap(), data.len() as u64 + 1);
        std::fs::remove_file(&path).unwrap();
    }
}
