//! What FETCH, STORE, COPY and MOVE answer for messages another session (or another
//! server) expunged before this session could tell its client (RFC 2180 4). RFC 3501 7.4.1
//! forbids that EXPUNGE until a later command, so meanwhile the message keeps its number,
//! and the command does what it can and answers OK with [`issued`]: STORE changes the
//! others (RFC 2180 4.2.1), COPY and MOVE take the others (4.4.2), and FETCH answers the
//! message with what is still known ([`respond`]). A NO (4.2.3) makes mail clients show an
//! error, and some retry forever; Dovecot 2.3.19 answers STORE and FETCH with OK too (COPY
//! and MOVE it refuses whole, which 4.4.1 permits). Only a FETCH of what the file alone
//! had (a body, or what the folder's cache lacks) answers [`lost`] (4.1.2) and leaves the
//! item out: the NIL data of 4.1.3, which Dovecot sends, would be a made-up empty body or a
//! 1970 date that a client may keep as the message's.

use std::io::{self, Write};

use super::fetch::{Item, Label};
use super::Selected;
use crate::maildir::flags::base;
use crate::maildir::index::cache::record::Want;
use crate::maildir::message_file::{self, window};
use crate::message::fields;
use crate::message::section::Text;
use crate::wire::{datetime, quote, Code, Response};

/// RFC 5530's words for such messages.
const GONE: &str = "Some of the requested messages no longer exist";

/// The tagged reply of a command that met such messages and did all it could for them
/// (RFC 5530's code, RFC 2180's words).
pub fn issued() -> Response {
    Response::ok(GONE).with(Code::ExpungeIssued)
}

/// The tagged reply of a FETCH that had to leave out an item of such a message, one that
/// only its file had (RFC 2180 4.1.2, RFC 5530 3): a client must not take a made-up empty
/// body or a 1970 date for the message's.
fn lost() -> Response {
    Response::no(GONE).with(Code::ExpungeIssued)
}

/// The tagged reply of a FETCH that met such messages: [`issued`] when every item of
/// theirs was answered, [`lost`] when some was left out.
pub fn fetch_reply(complete: bool) -> Response {
    match complete {
        true => issued(),
        false => lost(),
    }
}

/// Writes the FETCH response of message `i` of the view, whose file is gone, with the items
/// that are still known: FLAGS and UID from the view, RFC822.SIZE from the file name, and
/// what the folder's cache holds (INTERNALDATE, the size, ENVELOPE, BODY, BODYSTRUCTURE,
/// the kept header fields). An item only the file had is left out, and with it the whole
/// response when nothing is known; never a made-up value. Returns whether every item was
/// answered. `specs` are the sections' names, as the FETCH made them.
pub fn respond(
    out: &mut impl Write,
    sel: &Selected,
    i: usize,
    items: &[Item],
    specs: &[Option<Vec<u8>>],
) -> io::Result<bool> {
    let m = &sel.messages[i];
    let name = sel.messages.name(i);
    let unique = base(name);
    let facts = || sel.cache.facts(unique, Want::NONE);
    // The known items, each after a space.
    let mut known = Vec::new();
    let mut complete = true;
    for (n, item) in items.iter().enumerate() {
        let k = &mut known;
        let answered = match item {
            Item::Flags => {
                write!(k, " FLAGS {}", sel.flag_list(m))?;
                true
            }
            Item::Uid => {
                write!(k, " UID {}", m.uid)?;
                true
            }
            Item::Modseq => {
                let modseq = sel.modseqs.as_ref().map_or(0, |ms| ms.get(i));
                write!(k, " MODSEQ ({modseq})")?;
                true
            }
            Item::InternalDate => match facts() {
                Some(f) => {
                    write!(k, " INTERNALDATE {}", datetime::format(f.internal_date))?;
                    true
                }
                None => false,
            },
            // Its GUID may be in the uidlist: not looked up for a message gone.
            Item::EmailId => false,
            Item::ThreadId => {
                k.extend_from_slice(b" THREADID NIL");
                true
            }
            Item::SaveDate => {
                match message_file::saved_from_name(name) {
                    Some(saved) => write!(k, " SAVEDATE {}", datetime::format(saved))?,
                    None => k.extend_from_slice(b" SAVEDATE NIL"),
                }
                true
            }
            Item::Size => {
                match message_file::size_from_name(name).or_else(|| Some(facts()?.sizes?.served)) {
                    Some(size) => {
                        write!(k, " RFC822.SIZE {size}")?;
                        true
                    }
                    None => false,
                }
            }
            Item::Envelope => match sel
                .cache
                .header(unique)
                .and_then(|h| h.envelope().map(<[u8]>::to_vec))
            {
                Some(text) => {
                    k.extend_from_slice(b" ENVELOPE ");
                    k.extend_from_slice(&text);
                    true
                }
                None => false,
            },
            Item::Structure { extended } => {
                let whole = sel.cache.whole(unique);
                let (label, cached) = match extended {
                    true => (
                        &b" BODYSTRUCTURE "[..],
                        whole
                            .as_ref()
                            .and_then(|w| w.bodystructure().map(<[u8]>::to_vec)),
                    ),
                    false => (
                        &b" BODY "[..],
                        whole.as_ref().and_then(|w| w.body().map(<[u8]>::to_vec)),
                    ),
                };
                match cached {
                    Some(text) => {
                        k.extend_from_slice(label);
                        k.extend_from_slice(&text);
                        true
                    }
                    None => false,
                }
            }
            Item::Preview { lazy } => {
                let whole = sel.cache.whole(unique);
                let text = whole.as_ref().and_then(|w| w.preview());
                match (text, lazy) {
                    (Some(text), _) => {
                        k.extend_from_slice(b" PREVIEW ");
                        quote::string(k, text)?;
                        true
                    }
                    // RFC 8970 4.1: NIL is LAZY's answer when the text is not at hand.
                    (None, true) => {
                        k.extend_from_slice(b" PREVIEW NIL");
                        true
                    }
                    (None, false) => false,
                }
            }
            // Decoded parts and their sizes are never cached.
            Item::Binary { .. } => false,
            Item::Body {
                label,
                section,
                partial,
                ..
            } => {
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
                match (kept, label) {
                    (Some((c, bytes)), Label::Body) => {
                        k.extend_from_slice(b" BODY[");
                        k.extend_from_slice(specs[n].as_deref().unwrap_or_default());
                        k.extend_from_slice(b"]");
                        if let Some((o, _)) = partial {
                            write!(k, "<{o}>")?;
                        }
                        k.extend_from_slice(b" ");
                        let (offset, len) = window(*partial, c.served_len(&bytes));
                        quote::literal_head(k, len)?;
                        c.write(&bytes, &mut quote::Char8(&mut *k), offset, len)?;
                        true
                    }
                    // The RFC822 forms are whole headers, texts or messages.
                    _ => false,
                }
            }
        };
        complete &= answered;
    }
    if let Some(rest) = known.strip_prefix(b" ") {
        write!(out, "* {} FETCH (", i + 1)?;
        out.write_all(rest)?;
        out.write_all(b")\r\n")?;
    }
    Ok(complete)
}
