//! COMPRESS=DEFLATE (RFC 4978): the two halves of a compressed connection, raw DEFLATE
//! streams (RFC 1951, no zlib header: RFC 4978 section 4's negative windowBits) through
//! `flate2`'s pure-Rust backend. [`Input`](super::Input) inflates with [`Inflate`] into
//! its own buffer, so that the line and literal limits bound what a compressed bomb can
//! grow; [`Output`](super::Output) deflates with [`Deflate`] and ends each flush with a
//! sync flush, so that every response reaches the client as soon as it is written.
//!
//! Memory is fixed for the connection's life: with miniz_oxide 0.9 the deflate state is
//! 312 KiB (window, hash chains, code buffers) and the inflate state 42 KiB (its 32 KiB
//! window), plus [`RAW`] bytes of compressed input and [`CHUNK`] of compressed output.

use std::io;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Compressed bytes read from the client and not yet inflated: one read(2)'s worth.
pub const RAW: usize = 16384;

/// Compressed bytes made at once before they are written out.
const CHUNK: usize = 16384;

/// The client sent something that is not a DEFLATE stream: the connection cannot go on.
#[derive(Debug)]
pub struct Corrupt;

/// The client's commands, compressed.
pub struct Inflate {
    state: Decompress,
    raw: Box<[u8]>,
    start: usize,
    end: usize,
    /// The stream ended with a final block: any byte after it is corrupt.
    ended: bool,
    /// It was corrupt: so is everything after.
    failed: bool,
    /// The last call filled its output: the state may hold more inflated bytes.
    full: bool,
}

impl Inflate {
    /// Starts with `pending`, bytes already read that follow the COMPRESS command: they are
    /// the first compressed ones.
    pub fn new(pending: &[u8]) -> Inflate {
        let mut raw = vec![0; RAW.max(pending.len())].into_boxed_slice();
        raw[..pending.len()].copy_from_slice(pending);
        Inflate {
            state: Decompress::new(false),
            raw,
            start: 0,
            end: pending.len(),
            ended: false,
            failed: false,
            full: false,
        }
    }

    /// Whether bytes may wait: compressed ones not yet inflated, or inflated ones that did
    /// not fit last time.
    pub fn waiting(&self) -> bool {
        self.start < self.end || self.full || self.failed
    }

    /// Inflates waiting bytes into `out`; returns how many were made, 0 when every waiting
    /// byte was used (more must be read). Never makes more than `out` holds.
    pub fn inflate(&mut self, out: &mut [u8]) -> Result<usize, Corrupt> {
        if self.failed || self.ended && self.start < self.end {
            self.failed = true;
            return Err(Corrupt);
        }
        if !self.waiting() || out.is_empty() {
            return Ok(0);
        }
        let (before_in, before_out) = (self.state.total_in(), self.state.total_out());
        let status =
            self.state
                .decompress(&self.raw[self.start..self.end], out, FlushDecompress::None);
        let used = (self.state.total_in() - before_in) as usize;
        let made = (self.state.total_out() - before_out) as usize;
        self.start += used;
        self.full = made == out.len();
        match status {
            Ok(Status::Ok | Status::BufError) => Ok(made),
            Ok(Status::StreamEnd) => {
                self.ended = true;
                Ok(made)
            }
            Err(_) => {
                self.failed = true;
                Err(Corrupt)
            }
        }
    }

    /// Where the next compressed bytes read go (emptied first when all were used): called
    /// when [`inflate`](Self::inflate) made nothing, so none wait.
    pub fn space(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        &mut self.raw[self.end..]
    }

    /// `n` bytes were read into [`space`](Self::space).
    pub fn filled(&mut self, n: usize) {
        self.end += n;
    }
}

/// The server's responses, compressed.
pub struct Deflate {
    state: Compress,
    out: Box<[u8]>,
    /// Bytes were given since the last sync flush: the client has not seen all of them.
    unsynced: bool,
}

impl Deflate {
    pub fn new() -> Deflate {
        Deflate {
            // RFC 4978 section 4: responses compress well even at the fastest level, which
            // keeps the server's CPU for the mail.
            state: Compress::new(Compression::fast(), false),
            out: vec![0; CHUNK].into_boxed_slice(),
            unsynced: false,
        }
    }

    /// Compresses `data` and hands what comes out to `write`; with `sync`, ends with a sync
    /// flush (Z_SYNC_FLUSH), after which the client can inflate everything given so far.
    pub fn compress(
        &mut self,
        mut data: &[u8],
        sync: bool,
        mut write: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        if data.is_empty() && !(sync && self.unsynced) {
            return Ok(());
        }
        let flush = if sync {
            FlushCompress::Sync
        } else {
            FlushCompress::None
        };
        loop {
            let (before_in, before_out) = (self.state.total_in(), self.state.total_out());
            self.state
                .compress(data, &mut self.out, flush)
                .map_err(io::Error::other)?;
            let used = (self.state.total_in() - before_in) as usize;
            let made = (self.state.total_out() - before_out) as usize;
            data = &data[used..];
            if made > 0 {
                write(&self.out[..made])?;
            }
            // Done when all was taken and the output had room to spare: then nothing of a
            // sync flush is left inside.
            if (data.is_empty() && made < self.out.len()) || (used == 0 && made == 0) {
                break;
            }
        }
        self.unsynced = !sync;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the client's inflater makes of `wire`.
    fn client_inflates(wire: &[u8]) -> Vec<u8> {
        let mut d = Decompress::new(false);
        let mut out = Vec::with_capacity(1 << 20);
        d.decompress_vec(wire, &mut out, FlushDecompress::Sync)
            .unwrap();
        out
    }

    #[test]
    fn a_sync_flush_lets_the_client_read_every_response_at_once() {
        // RFC 4978 section 3: the client must see each response when it is sent, or IDLE
        // and pipelining would stall.
        let mut z = Deflate::new();
        let mut wire = Vec::new();
        z.compress(b"* 1 EXISTS\r\n", false, |b| {
            wire.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        z.compress(b"", true, |b| {
            wire.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "a sync flush ends it");
        assert_eq!(client_inflates(&wire), b"* 1 EXISTS\r\n");
        let before = wire.len();
        z.compress(b"", true, |b| {
            wire.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(wire.len(), before, "nothing new, nothing sent");
    }

    #[test]
    fn round_trip_of_a_large_response() {
        let body: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("line {i}\r\n").into_bytes())
            .collect();
        let mut z = Deflate::new();
        let mut wire = Vec::new();
        z.compress(&body, true, |b| {
            wire.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert!(wire.len() < body.len() / 3, "{} bytes", wire.len());
        let mut i = Inflate::new(&[]);
        let mut got = Vec::new();
        let mut buf = [0u8; 1000];
        for piece in wire.chunks(RAW) {
            i.space()[..piece.len()].copy_from_slice(piece);
            i.filled(piece.len());
            loop {
                let n = i.inflate(&mut buf).unwrap();
                assert!(n <= buf.len());
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
        }
        assert!(got == body);
    }

    #[test]
    fn a_bomb_inflates_only_as_far_as_there_is_room() {
        // 10 MB of one byte compresses to about 10 KB; each call makes at most what fits.
        let mut c = Compress::new(Compression::best(), false);
        let mut wire = Vec::with_capacity(1 << 16);
        c.compress_vec(&vec![b'a'; 10 << 20], &mut wire, FlushCompress::Sync)
            .unwrap();
        assert!(wire.len() < RAW, "{}", wire.len());
        let mut i = Inflate::new(&wire);
        let mut buf = [0u8; 4096];
        assert_eq!(i.inflate(&mut buf).unwrap(), buf.len());
        assert!(i.waiting(), "the rest waits");
    }

    #[test]
    fn corrupt_input_is_an_error_every_time() {
        // 0xff: a block of the reserved type 3 (RFC 1951 3.2.3).
        let mut i = Inflate::new(b"\xff\xff\xff\xff");
        let mut buf = [0u8; 64];
        assert!(i.inflate(&mut buf).is_err());
        assert!(i.inflate(&mut buf).is_err(), "also with no bytes left");
        i.space()[0] = b'x';
        i.filled(1);
        assert!(i.inflate(&mut buf).is_err());
    }

    #[test]
    fn bytes_after_the_end_of_the_stream_are_corrupt() {
        let mut c = Compress::new(Compression::fast(), false);
        let mut wire = Vec::with_capacity(64);
        c.compress_vec(b"a NOOP\r\n", &mut wire, FlushCompress::Finish)
            .unwrap();
        wire.extend_from_slice(b"b NOOP\r\n");
        let mut i = Inflate::new(&wire);
        let mut buf = [0u8; 64];
        assert_eq!(i.inflate(&mut buf).unwrap(), 8);
        assert!(i.inflate(&mut buf).is_err());
    }
}
