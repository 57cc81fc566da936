//! BODY[] of a whole message as a literal's data: the served bytes (LF as CR LF), NUL
//! replaced as [`quote::Char8`] does. The usual case, a message the FETCH already holds
//! and counted, without NUL, goes straight into the output buffer line by line: through
//! the file's window and `Char8`'s scan of each piece it cost three times the
//! instructions. Here, above both, because the message-access layer knows nothing of the
//! wire, and the wire nothing of messages.

use std::io::{self, Write};

use crate::maildir::message_file::MessageFile;
use crate::maildir::MaildirError;
use crate::message::crlf;
use crate::wire::{quote, Output};

/// A message up to this size is added to the output buffer piece by piece
/// ([`Output::append`]); a larger one goes through [`Output`]'s writes, which send large
/// pieces from where they are and so never grow the buffer past its flush size for long.
const SMALL: u64 = 65536;

/// Writes the `len` served bytes of `f` from served offset `offset` (announced by the
/// caller in a literal). The outer error is the connection's, the inner one the file's
/// (see [`MessageFile::copy_served`]).
pub fn write(
    out: &mut Output,
    f: &mut MessageFile,
    offset: u64,
    len: u64,
) -> io::Result<Result<(), MaildirError>> {
    if let Some((msg, served)) = f.held_whole() {
        if offset == 0 && len == served && memchr::memchr(0, msg).is_none() {
            if served <= SMALL {
                out.append(|buf| {
                    buf.reserve(served as usize);
                    crlf::pieces(msg, 0, &mut |p| {
                        buf.extend_from_slice(p);
                        true
                    });
                })?;
            } else {
                let mut written = Ok(());
                crlf::pieces(msg, 0, &mut |p| {
                    written = out.write_all(p);
                    written.is_ok()
                });
                written?;
            }
            return Ok(Ok(()));
        }
    }
    f.copy_served(&mut quote::Char8(out), offset, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maildir::mailbox::Message;
    use crate::maildir::message_file;
    use std::fs::File;
    use std::io::Read;
    use std::time::Duration;

    #[test]
    fn a_literal_of_the_whole_message_is_served_bytes_with_nul_replaced() {
        let dir = std::env::temp_dir().join(format!("imapd-body-literal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // Past SMALL, the pieces go through the output's writes.
        let large = b"a line\n".repeat(10_000);
        for content in [&b"\na\r\nb\nc"[..], b"a\n\n", b"x\0y\nz\r\n", b"", &large] {
            std::fs::write(dir.join("cur/1.M1P1.x:2,"), content).unwrap();
            let mut m = Message {
                uid: 1,
                name: b"1.M1P1.x:2,".to_vec(),
                in_new: false,
                recent: false,
            };
            let mut f = message_file::open(&dir, &mut m).unwrap().unwrap();
            let (offset, len) = f.window(None).unwrap();
            let (r, w) = rustix::pipe::pipe().unwrap();
            let reader = std::thread::spawn(move || {
                let mut all = Vec::new();
                File::from(r).read_to_end(&mut all).unwrap();
                all
            });
            let mut out = Output::new(w, Duration::from_secs(10));
            write(&mut out, &mut f, offset, len).unwrap().unwrap();
            out.flush().unwrap();
            drop(out);
            let literal = reader.join().unwrap();
            let mut served = Vec::new();
            f.copy_served(&mut served, offset, len).unwrap().unwrap();
            for b in served.iter_mut().filter(|b| **b == 0) {
                *b = 0x80;
            }
            assert!(literal == served, "{:?}", &content[..content.len().min(20)]);
            assert_eq!(literal.len() as u64, len);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
