//! What FETCH, STORE, COPY and MOVE answer for messages another session (or another
//! server) expunged before this session could tell its client (RFC 2180 4). RFC 3501 7.4.1
//! forbids that EXPUNGE until a later command, so meanwhile the message keeps its number,
//! and the command does what it can and answers OK with [`ISSUED`]: STORE changes the
//! others (RFC 2180 4.2.1), COPY and MOVE take the others (4.4.2), and FETCH answers the
//! message with what is still known ([`respond`]). A NO (4.1.2, 4.2.3) makes mail clients
//! show an error, and some retry forever; Dovecot 2.3.19 answers STORE and FETCH with OK
//! too (COPY and MOVE it refuses whole, which 4.4.1 permits).

use std::io::{self, Write};

use super::fetch::{Item, Label};
use crate::maildir::flags::base;
use crate::maildir::index::cache::record::Want;
use crate::maildir::message_file::{self, window};
use crate::message::fields;
use crate::message::section::Text;
use crate::session::Selected;
use crate::wire::{datetime, quote};

/// The tagged reply of a command that met such messages (RFC 5530's code, RFC 2180's words).
pub const ISSUED: &str = "OK [EXPUNGEISSUED] Some of the requested messages no longer exist";

/// The empty values of RFC 2180 4.1.3 ("NIL FETCH responses"), as Dovecot sends them.
const NIL_ENVELOPE: &[u8] = b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
const NIL_BODY: &[u8] = b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)";
const NIL_BODYSTRUCTURE: &[u8] = b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";

/// Writes the FETCH response of message `i` of the view, whose file is gone: FLAGS and
/// UID from the view, RFC822.SIZE from the file name, what the folder's cache holds
/// (INTERNALDATE, the size, ENVELOPE, BODY, BODYSTRUCTURE, the kept header fields), and
/// for what only the file had, the empty value of RFC 2180 4.1.3. `specs` are the
/// sections' names, as the FETCH made them.
pub fn respond(
    out: &mut impl Write,
    sel: &Selected,
    i: usize,
    items: &[Item],
    specs: &[Option<Vec<u8>>],
) -> io::Result<()> {
    let m = &sel.messages[i];
    let name = sel.messages.name(i);
    let unique = base(name);
    let facts = || sel.cache.facts(unique, Want::NONE);
    write!(out, "* {} FETCH (", i + 1)?;
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.write_all(b" ")?;
        }
        match item {
            Item::Flags => write!(out, "FLAGS {}", sel.flag_list(m))?,
            Item::Uid => write!(out, "UID {}", m.uid)?,
            Item::InternalDate => {
                let date = facts().map_or(0, |f| f.internal_date);
                write!(out, "INTERNALDATE {}", datetime::format(date))?
            }
            Item::Size => {
                let size = message_file::size_from_name(name)
                    .or_else(|| Some(facts()?.sizes?.served))
                    .unwrap_or(0);
                write!(out, "RFC822.SIZE {size}")?
            }
            Item::Envelope => {
                out.write_all(b"ENVELOPE ")?;
                let cached = sel
                    .cache
                    .header(unique)
                    .and_then(|h| h.envelope().map(<[u8]>::to_vec));
                out.write_all(cached.as_deref().unwrap_or(NIL_ENVELOPE))?
            }
            Item::Structure { extended } => {
                let whole = sel.cache.whole(unique);
                let (name, cached, nil) = match extended {
                    true => (
                        "BODYSTRUCTURE",
                        whole
                            .as_ref()
                            .and_then(|w| w.bodystructure().map(<[u8]>::to_vec)),
                        NIL_BODYSTRUCTURE,
                    ),
                    false => (
                        "BODY",
                        whole.as_ref().and_then(|w| w.body().map(<[u8]>::to_vec)),
                        NIL_BODY,
                    ),
                };
                write!(out, "{name} ")?;
                out.write_all(cached.as_deref().unwrap_or(nil))?
            }
            Item::Binary {
                part,
                partial,
                size,
                ..
            } => {
                let spec: Vec<String> = part.iter().map(u32::to_string).collect();
                match size {
                    true => write!(out, "BINARY.SIZE[{}] 0", spec.join("."))?,
                    false => {
                        write!(out, "BINARY[{}]", spec.join("."))?;
                        if let Some((o, _)) = partial {
                            write!(out, "<{o}>")?;
                        }
                        out.write_all(b" NIL")?
                    }
                }
            }
            Item::Body {
                label,
                section,
                partial,
                ..
            } => {
                match label {
                    Label::Body => {
                        out.write_all(b"BODY[")?;
                        out.write_all(specs[n].as_deref().unwrap_or_default())?;
                        out.write_all(b"]")?;
                        if let Some((o, _)) = partial {
                            write!(out, "<{o}>")?;
                        }
                    }
                    Label::Rfc822 => out.write_all(b"RFC822")?,
                    Label::Rfc822Header => out.write_all(b"RFC822.HEADER")?,
                    Label::Rfc822Text => out.write_all(b"RFC822.TEXT")?,
                }
                out.write_all(b" ")?;
                // Of the sections, only the kept header fields outlive the file.
                let kept = section.as_ref().and_then(|s| match &s.text {
                    Some(Text::Fields { not: false, names })
                        if s.part.is_empty() && names.iter().all(|n| fields::kept(n)) =>
                    {
                        let h = sel.cache.header(unique)?;
                        Some((
                            fields::select(h.fields(), h.blank(), names),
                            h.fields().to_vec(),
                        ))
                    }
                    _ => None,
                });
                match kept {
                    Some((c, bytes)) => {
                        let (offset, len) = window(*partial, c.served_len(&bytes));
                        quote::literal_head(out, len)?;
                        c.write(&bytes, &mut quote::Char8(&mut *out), offset, len)?
                    }
                    None => out.write_all(b"NIL")?,
                }
            }
        }
    }
    out.write_all(b")\r\n")
}
