//! The one rule by which stored bytes become served bytes: every LF that does not follow a
//! CR goes out as CRLF (messages are stored with LF line ends, IMAP sends CRLF; an LF after
//! a CR already ends a line). Sizes, literals, sections and BINARY all go through here, in
//! one pass and without a converted copy, so that what a literal announces is what it sends
//! and a large message is never held twice.

use std::io::{self, Write};
use std::ops::Range;

/// Calls `f` with the served form of `raw`, piece by piece, until it returns false;
/// `prev` is the byte stored just before `raw` (0 at the start of a file). Returns false
/// when `f` stopped it. Generic, not `dyn`: BODY[] of a held message calls it with a
/// closure that copies each line, and an indirect call per line cost a fifth of that
/// command's instructions.
pub fn pieces<F: FnMut(&[u8]) -> bool + ?Sized>(raw: &[u8], prev: u8, f: &mut F) -> bool {
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', raw) {
        let before = if i == 0 { prev } else { raw[i - 1] };
        if before != b'\r' {
            if !f(&raw[start..i]) || !f(b"\r\n") {
                return false;
            }
            start = i + 1;
        }
    }
    f(&raw[start..])
}

/// [`pieces`] of `msg[range]`.
pub fn range_pieces(msg: &[u8], range: Range<usize>, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    let prev = match range.start {
        0 => 0,
        at => msg[at - 1],
    };
    pieces(&msg[range], prev, f)
}

/// The served size of `msg[range]`.
pub fn served_len(msg: &[u8], range: Range<usize>) -> u64 {
    let prev = match range.start {
        0 => 0,
        at => msg[at - 1],
    };
    let raw = &msg[range];
    (raw.len() + bare_lfs(raw, prev)) as u64
}

/// How many LFs of `raw` do not follow a CR (`prev` as in [`pieces`]): what serving it
/// adds to its length. Counted rather than cut into pieces: every part of every message a
/// first BODYSTRUCTURE reads is measured.
pub fn bare_lfs(raw: &[u8], prev: u8) -> usize {
    let lfs = memchr::memchr_iter(b'\n', raw).count();
    let after_cr = memchr::memchr_iter(b'\r', raw)
        .filter(|&i| raw.get(i + 1) == Some(&b'\n'))
        .count();
    let first = usize::from(prev == b'\r' && raw.first() == Some(&b'\n'));
    lfs - after_cr - first
}

/// Calls `f` with the bytes at `offset..offset + len` of the stream that `stream` makes
/// (by calling its argument with pieces until that returns false), until `f` returns false.
pub fn window(
    stream: impl FnOnce(&mut dyn FnMut(&[u8]) -> bool),
    offset: u64,
    len: u64,
    f: &mut dyn FnMut(&[u8]) -> bool,
) {
    let end = offset.saturating_add(len);
    let mut pos = 0u64;
    stream(&mut |piece| {
        let (from, to) = (pos, pos + piece.len() as u64);
        pos = to;
        if to > offset && from < end {
            let a = offset.saturating_sub(from) as usize;
            let b = (end.min(to) - from) as usize;
            if !f(&piece[a..b]) {
                return false;
            }
        }
        pos < end
    });
}

/// How many bytes [`write_window`] gathers before it writes: pieces are often single lines
/// or line ends, and one write per piece would cost more than the bytes.
const BATCH: usize = 65536;

/// Writes the [`window`] to `out`, in writes of up to [`BATCH`] bytes; returns how many
/// bytes went out (fewer than `len` only when the stream was shorter).
pub fn write_window(
    out: &mut impl Write,
    stream: impl FnOnce(&mut dyn FnMut(&[u8]) -> bool),
    offset: u64,
    len: u64,
) -> io::Result<u64> {
    let mut written = 0u64;
    let mut failed = None;
    let mut batch = Vec::with_capacity(BATCH.min(len as usize));
    window(stream, offset, len, &mut |p| {
        written += p.len() as u64;
        if batch.len() + p.len() <= batch.capacity() {
            batch.extend_from_slice(p);
            return true;
        }
        let sent = out.write_all(&batch).and_then(|()| {
            batch.clear();
            if p.len() < batch.capacity() {
                batch.extend_from_slice(p);
                Ok(())
            } else {
                out.write_all(p)
            }
        });
        match sent {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    });
    match failed {
        Some(e) => Err(e),
        None => out.write_all(&batch).map(|()| written),
    }
}

/// Whether the [`window`] holds a NUL byte.
pub fn window_has_nul(
    stream: impl FnOnce(&mut dyn FnMut(&[u8]) -> bool),
    offset: u64,
    len: u64,
) -> bool {
    let mut nul = false;
    window(stream, offset, len, &mut |p| {
        nul = memchr::memchr(0, p).is_some();
        !nul
    });
    nul
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(msg: &[u8], range: Range<usize>, offset: u64, len: u64) -> Vec<u8> {
        let mut v = Vec::new();
        write_window(
            &mut v,
            |f| {
                range_pieces(msg, range, f);
            },
            offset,
            len,
        )
        .unwrap();
        v
    }

    #[test]
    fn lone_lf_becomes_crlf() {
        let m = b"a\nb\r\nc\n\n";
        assert_eq!(served(m, 0..m.len(), 0, 100), b"a\r\nb\r\nc\r\n\r\n");
        assert_eq!(served_len(m, 0..m.len()), 11);
        assert_eq!(served_len(b"a\nb\r\n", 0..5), 6);
        // The byte before the range decides for an LF at its start.
        assert_eq!(served(m, 4..5, 0, 9), b"\n");
        assert_eq!(served(m, 1..2, 0, 9), b"\r\n");
        assert_eq!(served(m, 0..m.len(), 1, 3), b"\r\nb");
        assert_eq!(served(m, 0..m.len(), 2, 1), b"\n");
        assert_eq!(served(m, 0..m.len(), 10, 5), b"\n");
        // Served, `a\nb\0` is `a\r\nb\0`: the NUL is at offset 4.
        let stream = |f: &mut dyn FnMut(&[u8]) -> bool| {
            pieces(b"a\nb\0", 0, f);
        };
        assert!(window_has_nul(stream, 4, 1));
        assert!(!window_has_nul(stream, 0, 4));
    }

    #[test]
    fn counted_sizes_are_the_sizes_of_the_pieces() {
        let samples: [&[u8]; 8] = [
            b"",
            b"\n",
            b"\r",
            b"\r\n\r\n",
            b"a\r\rb\n\r",
            b"\n\r\n\n\r\r\n",
            b"no line end",
            b"8-bit \xe9\n\0\r\n",
        ];
        for m in samples {
            for start in 0..=m.len() {
                for end in start..=m.len() {
                    let mut n = 0;
                    range_pieces(m, start..end, &mut |p| {
                        n += p.len() as u64;
                        true
                    });
                    assert_eq!(served_len(m, start..end), n, "{m:?} {start}..{end}");
                }
            }
        }
    }
}
