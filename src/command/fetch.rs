//! FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8): flags, UID, INTERNALDATE, RFC822.SIZE,
//! ENVELOPE, BODY and BODYSTRUCTURE, body sections with `<offset.length>` partials, and the
//! RFC822 forms. The whole message (`BODY[]`) streams from the file with CRLF line ends;
//! other sections and BINARY are read once and written from those bytes, converted to CRLF
//! and decoded while they are written, so a command holds a message at most once.
//! RFC822.SIZE comes from the file name when it has `,W=`; ENVELOPE and header sections read
//! only the header. Files are read through [`message_file`], which follows renames.

use std::io::{self, Write};
use std::os::fd::AsFd;

use super::esearch::{self, Partial};
use super::{failed, Code, Response};
use super::{Context, Selected};
use crate::maildir::flags::{base, Flags, MessageFlags};
use crate::maildir::index::cache::record::{Facts, Sizes};
use crate::maildir::index::cache::{Cache, Header, Learnt, Whole};
use crate::maildir::message_file::{self, window, MessageFile};
use crate::maildir::objectid::Guids;
use crate::maildir::view::Entry;
use crate::maildir::MaildirError;
use crate::message::section::{Content, Section, Text};
use crate::message::{binary, bodystructure, crlf, envelope, fields, header, part, preview};
use crate::wire::{datetime, quote, ParseError, Parser, Ranges, SequenceSet};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Flags,
    Uid,
    /// RFC 7162 3.1.4.2.
    Modseq,
    InternalDate,
    /// RFC 8514 4.2.
    SaveDate,
    /// RFC 8474 5.3.
    EmailId,
    ThreadId,
    Size,
    Envelope,
    /// BODY (`extended: false`) or BODYSTRUCTURE.
    Structure {
        extended: bool,
    },
    /// A body section, or the whole message when `section` is `None`, in a window when
    /// `partial`; \Seen is set unless `peek`.
    Body {
        peek: bool,
        label: Label,
        section: Option<Section>,
        partial: Option<(u64, u64)>,
    },
    /// PREVIEW (RFC 8970); with LAZY, NIL when it is neither in the cache nor made from
    /// the message read for another item.
    Preview {
        lazy: bool,
    },
    /// BINARY[part]<partial> (RFC 3516): the part with its transfer encoding undone;
    /// `size`: BINARY.SIZE, its length only.
    Binary {
        peek: bool,
        part: Vec<u32>,
        partial: Option<(u64, u64)>,
        size: bool,
    },
}

/// The name a body item has in the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Body,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
}

/// The most items one FETCH may ask for. Each item of each message is produced in turn,
/// so the work of a FETCH is O(messages · items); no client needs more than a few dozen.
pub const MAX_ITEMS: usize = 256;

/// `("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")`.
pub fn parse_items(p: &mut Parser) -> Result<Vec<Item>, ParseError> {
    if p.eat(b'(') {
        let mut items = vec![item(p)?];
        while !p.eat(b')') {
            if items.len() == MAX_ITEMS {
                return Err(ParseError::bad("Too many FETCH items"));
            }
            p.sp()?;
            items.push(item(p)?);
        }
        return Ok(items);
    }
    // RFC 3501 6.4.5: the macros.
    let fast = [Item::Flags, Item::InternalDate, Item::Size];
    match p.peek_keyword().as_deref() {
        Some(b"ALL") => {
            p.keyword()?;
            Ok([&fast[..], &[Item::Envelope]].concat())
        }
        Some(b"FAST") => {
            p.keyword()?;
            Ok(fast.to_vec())
        }
        Some(b"FULL") => {
            p.keyword()?;
            Ok([
                &fast[..],
                &[Item::Envelope, Item::Structure { extended: false }],
            ]
            .concat())
        }
        _ => item(p).map(|i| vec![i]),
    }
}

fn item(p: &mut Parser) -> Result<Item, ParseError> {
    let name = p.keyword()?;
    let body = |peek, label, section| Item::Body {
        peek,
        label,
        section,
        partial: None,
    };
    Ok(match &name[..] {
        b"FLAGS" => Item::Flags,
        b"UID" => Item::Uid,
        b"MODSEQ" => Item::Modseq,
        b"INTERNALDATE" => Item::InternalDate,
        b"SAVEDATE" => Item::SaveDate,
        b"EMAILID" => Item::EmailId,
        b"THREADID" => Item::ThreadId,
        b"RFC822.SIZE" => Item::Size,
        b"ENVELOPE" => Item::Envelope,
        b"BODYSTRUCTURE" => Item::Structure { extended: true },
        b"RFC822" => body(false, Label::Rfc822, None),
        b"RFC822.HEADER" => body(true, Label::Rfc822Header, Some(text_section(Text::Header))),
        b"RFC822.TEXT" => body(false, Label::Rfc822Text, Some(text_section(Text::Text))),
        b"BODY" | b"BODY.PEEK" if p.eat(b'[') => {
            let section = section(p)?;
            Item::Body {
                peek: name == b"BODY.PEEK",
                label: Label::Body,
                section,
                partial: partial(p)?,
            }
        }
        b"BINARY" | b"BINARY.PEEK" | b"BINARY.SIZE" => {
            if !p.eat(b'[') {
                return Err(ParseError::bad("Expected ["));
            }
            let mut part = Vec::new();
            while !p.eat(b']') {
                if !part.is_empty() && !p.eat(b'.') {
                    return Err(ParseError::bad("BINARY takes part numbers only"));
                }
                part.push(p.nz_number()?);
            }
            let size = name == b"BINARY.SIZE";
            Item::Binary {
                peek: name != b"BINARY",
                part,
                partial: if size { None } else { partial(p)? },
                size,
            }
        }
        b"BODY" => Item::Structure { extended: false },
        b"PREVIEW" => Item::Preview {
            lazy: preview_modifiers(p)?,
        },
        _ => return Err(ParseError::bad("Unknown FETCH item")),
    })
}

/// RFC 8970 6: `[SP "(" preview-mod *(SP preview-mod) ")"]`, whether LAZY is among them.
/// LAZY is the only modifier there is: a parenthesis that does not open with it belongs to
/// the FETCH modifiers after a lone item (`FETCH 1 PREVIEW (CHANGEDSINCE 5)`).
fn preview_modifiers(p: &mut Parser) -> Result<bool, ParseError> {
    if !p.ahead(b" (LAZY") {
        return Ok(false);
    }
    p.sp()?;
    p.open()?;
    loop {
        if p.keyword()? != b"LAZY" {
            return Err(ParseError::bad("Unknown PREVIEW modifier"));
        }
        if p.eat(b')') {
            return Ok(true);
        }
        p.sp()?;
    }
}

/// FETCH's modifiers (RFC 4466 2.4), each at most once, in any order (RFC 9394 3.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers {
    /// RFC 7162 3.1.4.1.
    pub changed_since: Option<u64>,
    /// RFC 9394 3.3: only these of the messages the set names.
    pub partial: Option<Partial>,
    /// RFC 7162 3.2.6: VANISHED (EARLIER) first; only with CHANGEDSINCE.
    pub vanished: bool,
}

/// `[SP "(" fetch-modifier *(SP fetch-modifier) ")"]` after the items: CHANGEDSINCE
/// (RFC 7162 3.1.4.1), VANISHED (3.2.6, which needs CHANGEDSINCE) and PARTIAL (RFC 9394
/// 3.3).
pub fn parse_modifiers(p: &mut Parser) -> Result<Modifiers, ParseError> {
    let mut m = Modifiers::default();
    if !p.eat(b' ') {
        return Ok(m);
    }
    p.open()?;
    loop {
        match &p.keyword()?[..] {
            b"CHANGEDSINCE" if m.changed_since.is_none() => {
                p.sp()?;
                let since = p.mod_sequence()?;
                if since == 0 {
                    return Err(ParseError::bad(
                        "CHANGEDSINCE takes a positive mod-sequence",
                    ));
                }
                m.changed_since = Some(since);
            }
            b"PARTIAL" if m.partial.is_none() => {
                p.sp()?;
                m.partial = Some(esearch::partial_range(p)?);
            }
            b"VANISHED" if !m.vanished => m.vanished = true,
            b"CHANGEDSINCE" | b"PARTIAL" | b"VANISHED" => {
                return Err(ParseError::bad("A FETCH modifier given twice"))
            }
            _ => return Err(ParseError::bad("Unknown FETCH modifier")),
        }
        if p.eat(b')') {
            break;
        }
        p.sp()?;
    }
    if m.vanished && m.changed_since.is_none() {
        return Err(ParseError::bad("VANISHED needs CHANGEDSINCE"));
    }
    Ok(m)
}

/// `["<" number "." nz-number ">"]`.
fn partial(p: &mut Parser) -> Result<Option<(u64, u64)>, ParseError> {
    if !p.eat(b'<') {
        return Ok(None);
    }
    let offset = p.number()?;
    if !p.eat(b'.') {
        return Err(ParseError::bad("Expected <offset.length>"));
    }
    let len = p.nz_number()?;
    if !p.eat(b'>') {
        return Err(ParseError::bad("Expected >"));
    }
    Ok(Some((u64::from(offset), u64::from(len))))
}

fn text_section(text: Text) -> Section {
    Section {
        part: Vec::new(),
        text: Some(text),
    }
}

/// `section-spec "]"` after `[`; `None` for the whole message (`[]`).
fn section(p: &mut Parser) -> Result<Option<Section>, ParseError> {
    if p.eat(b']') {
        return Ok(None);
    }
    let mut s = Section::default();
    while p.peek().is_some_and(|b| b.is_ascii_digit()) {
        s.part.push(p.nz_number()?);
        if !p.eat(b'.') {
            break;
        }
    }
    if p.peek() != Some(b']') {
        s.text = Some(match &p.keyword()?[..] {
            b"HEADER" => Text::Header,
            b"TEXT" => Text::Text,
            b"MIME" if !s.part.is_empty() => Text::Mime,
            kw @ (b"HEADER.FIELDS" | b"HEADER.FIELDS.NOT") => {
                p.sp()?;
                p.open()?;
                let mut names = vec![p.astring()?];
                while !p.eat(b')') {
                    p.sp()?;
                    names.push(p.astring()?);
                }
                Text::Fields {
                    not: kw == b"HEADER.FIELDS.NOT",
                    names,
                }
            }
            _ => return Err(ParseError::bad("Invalid body section")),
        });
    }
    if !p.eat(b']') {
        return Err(ParseError::bad("Expected ] after the section"));
    }
    Ok(Some(s))
}

pub fn fetch(
    s: &mut Context,
    set: &SequenceSet,
    items: &[Item],
    modifiers: &Modifiers,
    uid: bool,
) -> io::Result<Response> {
    // RFC 7162 3.1: MODSEQ and CHANGEDSINCE enable CONDSTORE.
    let changed_since = modifiers.changed_since;
    if s.selected.is_some() && (changed_since.is_some() || items.contains(&Item::Modseq)) {
        s.enable_condstore()?;
    }
    if let Some(since) = changed_since.filter(|_| modifiers.vanished) {
        if let Some(refused) = super::vanished::before_fetch(s, set, since)? {
            return Ok(refused);
        }
    }
    let reply = answer(s, set, items, modifiers, uid);
    // Also after a failure: what was learnt before it is good.
    if let Some(sel) = s.selected.as_ref() {
        sel.cache.finish(sel.messages.names().map(base));
    }
    reply
}

fn answer(
    s: &mut Context,
    set: &SequenceSet,
    items: &[Item],
    modifiers: &Modifiers,
    uid: bool,
) -> io::Result<Response> {
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    let Some(mut indexes) = sel.resolve(set, uid) else {
        return Ok(super::bad_sequence());
    };
    if let Some(p) = modifiers.partial {
        indexes = p.of(&indexes);
    }
    let mut items = items.to_vec();
    if uid && !items.contains(&Item::Uid) {
        items.insert(0, Item::Uid);
    }
    if let Some(since) = modifiers.changed_since {
        // RFC 7162 3.1.4.1: only messages changed since, and MODSEQ implied; RFC 9394 3.3:
        // among those PARTIAL chose.
        let modseqs = match sel.modseqs() {
            Ok(m) => m,
            Err(e) => return Ok(failed("FETCH", e)),
        };
        indexes = Ranges::merge(
            indexes
                .iter()
                .filter(|&i| modseqs.get(i as usize) > since)
                .map(|i| (i, i)),
        );
        if !items.contains(&Item::Modseq) {
            items.push(Item::Modseq);
        }
    }
    if items.contains(&Item::Modseq) {
        if let Err(e) = sel.modseqs() {
            return Ok(failed("FETCH", e));
        }
    }
    // The copies' GUIDs in the uidlist, read once (RFC 8474 5.1).
    let guids = match items.contains(&Item::EmailId) {
        true => match Guids::read(&sel.dir) {
            Ok(g) => g,
            Err(e) => return Ok(failed("FETCH", e)),
        },
        false => Guids::default(),
    };
    let sets_seen = !sel.read_only
        && items.iter().any(|i| {
            matches!(
                i,
                Item::Body { peek: false, .. } | Item::Binary { peek: false, .. }
            )
        });
    let parses = items.iter().any(|i| {
        matches!(
            i,
            Item::Structure { .. }
                | Item::Preview { .. }
                | Item::Binary { .. }
                | Item::Body {
                    section: Some(_),
                    ..
                }
        )
    });
    let cached = Parts::of(&items);
    // Each section's name in the response, made once for all messages.
    let specs: Vec<Option<Vec<u8>>> = items
        .iter()
        .map(|i| match i {
            Item::Body {
                section: Some(sec), ..
            } => Some(sec.spec()),
            _ => None,
        })
        .collect();
    let asks_size = items.contains(&Item::Size);
    let asks_date = items.contains(&Item::InternalDate);
    let asks_flags = items.contains(&Item::Flags);
    let dates = datetime::Dates::default();
    let mut flag_lists = FlagLists::default();
    let dir = sel.dir.clone();
    let out = &mut s.conn.output;
    // Some message's file was gone (RFC 2180 4.1): answered with what is still known;
    // `complete` while that was every item asked for.
    let mut expunged = false;
    let mut complete = true;
    let mut unknown_cte = false;
    // \Seen set here is synced to disk before the tagged OK, as STORE's flags are, and
    // with its MODSEQ.
    let mut seen_set = Vec::new();
    let mut any_seen = false;
    for i in indexes.iter().map(|i| i as usize) {
        // Hashing every UID costs more than the rest of a cached response.
        if !sel.vanished.is_empty() && sel.vanished.contains(&sel.messages[i].uid) {
            complete &= super::expunged::respond(out, sel, i, &items, &specs)?;
            expunged = true;
            continue;
        }
        let named = message_file::size_from_name(sel.messages.name(i));
        let hit = cached.and_then(|p| Hit::lookup(&sel.cache, p, sel.messages.name(i), named));
        let need = match hit {
            Some(_) => Need::Nothing,
            None => items
                .iter()
                .map(|item| item.need(named))
                .max()
                .unwrap_or(Need::Nothing),
        };
        let mut file = None;
        if need > Need::Nothing {
            // A copy of the view's message: the rescan after the command tells the client
            // of a rename by another session.
            let folder = sel.folder.as_fd();
            match message_file::open_at(folder, &dir, &mut sel.messages.message(i)) {
                Ok(Some(f)) => file = Some(f),
                Ok(None) => {
                    sel.vanished.insert(sel.messages[i].uid);
                    complete &= super::expunged::respond(out, sel, i, &items, &specs)?;
                    expunged = true;
                    continue;
                }
                Err(e) => return Ok(failed("FETCH", e)),
            }
        }
        let read = match read(file.as_mut(), &items, need, named) {
            Ok(r) => r,
            Err(e) => return Ok(failed("FETCH", e)),
        };
        let msg = read.msg.as_deref();
        let tree = msg.filter(|_| parses).map(part::parse);
        // BINARY first: RFC 3516 4.2 answers a part it cannot decode with NO [UNKNOWN-CTE],
        // and this message then gets no FETCH response at all. That needs only the parts'
        // encodings; their content is decoded piece by piece as it is written, never held.
        let mut binary = Binary::default();
        let unknown = items.iter().any(|item| match item {
            Item::Binary { part, .. } => matches!(
                binary.get(msg.expect("read for BINARY"), tree.as_ref(), part),
                Err(binary::Error::UnknownEncoding)
            ),
            _ => false,
        });
        if unknown {
            unknown_cte = true;
            continue;
        }
        let mut flags_changed = false;
        if sets_seen && !sel.messages[i].flags().system.contains(Flags::SEEN) {
            match sel.messages.set_flags(i, &dir, |mut f| {
                f.system = f.system.union(Flags::SEEN);
                f
            }) {
                Ok(true) => {
                    (flags_changed, any_seen) = (true, true);
                    // The MODSEQ this response tells, once CONDSTORE is on, is the new one.
                    if sel.modseqs.is_some() {
                        sel.changed_flags(s.root, &[i]);
                    } else {
                        seen_set.push(i);
                    }
                }
                // Expunged since it was opened: served from the open file, without \Seen.
                Ok(false) => {
                    sel.vanished.insert(sel.messages[i].uid);
                    expunged = true;
                }
                Err(e) => return Ok(failed("FETCH", e)),
            }
        }
        let m = &sel.messages[i];
        // The response texts made here, for the cache.
        let mut made = Made::default();
        // A read error while streaming BODY[]: the literal is padded, the command fails.
        let mut streaming_failed = None;
        out.write_all(b"* ")?;
        quote::number(out, i as u64 + 1)?;
        out.write_all(b" FETCH (")?;
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                out.write_all(b" ")?;
            }
            match item {
                Item::Flags => {
                    out.write_all(b"FLAGS ")?;
                    out.write_all(flag_lists.get(sel, m))?
                }
                Item::Uid => {
                    out.write_all(b"UID ")?;
                    quote::number(out, u64::from(m.uid))?
                }
                Item::Modseq => {
                    let modseq = sel.modseqs.as_ref().map_or(0, |ms| ms.get(i));
                    write!(out, "MODSEQ ({modseq})")?
                }
                Item::InternalDate => {
                    let cached = hit.as_ref().and_then(|h| h.facts.as_ref());
                    let date = cached.map_or(read.internal_date, |f| f.internal_date);
                    out.write_all(b"INTERNALDATE ")?;
                    dates.write(out, date)?
                }
                Item::EmailId => {
                    let id = guids.email_id(sel.messages.name(i));
                    write!(out, "EMAILID ({id})")?
                }
                // RFC 8474 5.2: no THREADID is kept.
                Item::ThreadId => out.write_all(b"THREADID NIL")?,
                Item::SaveDate => {
                    out.write_all(b"SAVEDATE ")?;
                    match message_file::saved_from_name(sel.messages.name(i)) {
                        Some(saved) => dates.write(out, saved)?,
                        None => out.write_all(b"NIL")?,
                    }
                }
                Item::Size => {
                    let cached = hit.as_ref().and_then(|h| h.facts.as_ref()?.sizes);
                    let size = match cached {
                        // The name's size wins, as it does without the cache.
                        Some(s) if named.is_none() => s.served,
                        _ => read.size,
                    };
                    out.write_all(b"RFC822.SIZE ")?;
                    quote::number(out, size)?
                }
                Item::Envelope => {
                    out.write_all(b"ENVELOPE ")?;
                    match hit.as_ref().and_then(|h| h.header.as_ref()?.envelope()) {
                        Some(text) => out.write_all(text)?,
                        None => {
                            let msg = msg.expect("read for ENVELOPE");
                            let mut text = Vec::new();
                            envelope::write(&mut text, &msg[..header::split(msg)])?;
                            out.write_all(&text)?;
                            made.envelope = Some(text);
                        }
                    }
                }
                Item::Structure { extended } => {
                    out.write_all(if *extended {
                        b"BODYSTRUCTURE "
                    } else {
                        b"BODY "
                    })?;
                    let cached = hit.as_ref().and_then(|h| h.whole.as_ref()).and_then(|w| {
                        if *extended {
                            w.bodystructure()
                        } else {
                            w.body()
                        }
                    });
                    match cached {
                        Some(text) => out.write_all(text)?,
                        None => {
                            let msg = msg.expect("read for BODYSTRUCTURE");
                            let tree = tree.as_ref().expect("parsed for BODYSTRUCTURE");
                            let mut text = Vec::new();
                            bodystructure::write(&mut text, msg, tree, *extended)?;
                            out.write_all(&text)?;
                            match extended {
                                true => made.bodystructure = Some(text),
                                false => made.body = Some(text),
                            }
                        }
                    }
                }
                Item::Preview { .. } => {
                    out.write_all(b"PREVIEW ")?;
                    let whole = hit.as_ref().and_then(|h| h.whole.as_ref());
                    let looked_up;
                    let cached = match whole {
                        Some(w) => w.preview(),
                        None => {
                            looked_up = sel.cache.whole(base(sel.messages.name(i)));
                            looked_up.as_ref().and_then(Whole::preview)
                        }
                    };
                    match (cached, msg.filter(|_| need == Need::Whole)) {
                        (Some(text), _) => quote::string(out, text)?,
                        (None, Some(msg)) => {
                            let tree = tree.as_ref().expect("parsed for PREVIEW");
                            let text = preview::of(msg, tree).into_bytes();
                            quote::string(out, &text)?;
                            made.preview = Some(text);
                        }
                        // LAZY, and it would take reading the message (RFC 8970 4.1).
                        (None, None) => out.write_all(b"NIL")?,
                    }
                }
                Item::Binary {
                    part: numbers,
                    partial,
                    size,
                    ..
                } => {
                    let label = if *size { "BINARY.SIZE" } else { "BINARY" };
                    let spec: Vec<String> = numbers.iter().map(u32::to_string).collect();
                    write!(out, "{label}[{}]", spec.join("."))?;
                    let msg = msg.expect("read for BINARY");
                    match binary.measured(msg, tree.as_ref(), numbers) {
                        Ok((_, decoded, _)) if *size => write!(out, " {decoded}")?,
                        Ok((body, decoded, any_nul)) => {
                            let (offset, len) = window(*partial, decoded);
                            if let Some((o, _)) = partial {
                                write!(out, "<{o}>")?;
                            }
                            out.write_all(b" ")?;
                            let stream = |f: &mut dyn FnMut(&[u8]) -> bool| body.pieces(msg, f);
                            // Only a part with a NUL somewhere needs its window looked at.
                            let nul = any_nul && crlf::window_has_nul(stream, offset, len);
                            quote::binary_head(out, len, nul)?;
                            crlf::write_window(out, stream, offset, len)?;
                        }
                        // No such part.
                        Err(_) => out.write_all(b" NIL")?,
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
                            if let Some(spec) = &specs[n] {
                                out.write_all(spec)?;
                            }
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
                    match section {
                        // The whole message is streamed from the file.
                        None => {
                            let (offset, len) = read.windows[n].expect("measured for BODY[]");
                            let f = file.as_mut().expect("opened for BODY[]");
                            quote::literal_head(out, len)?;
                            if let Err(e) = super::body_literal::write(out, f, offset, len)? {
                                streaming_failed = Some(e);
                            }
                        }
                        Some(sec) => {
                            let cached = hit.as_ref().and_then(|h| h.header.as_ref());
                            let resolved: Option<(Content, &[u8])> = match (cached, &sec.text) {
                                (Some(h), Some(Text::Fields { names, .. })) => {
                                    Some((fields::select(h.fields(), h.blank(), names), h.fields()))
                                }
                                _ => {
                                    let msg = msg.expect("read for a section");
                                    let tree = tree.as_ref().expect("parsed for a section");
                                    sec.resolve(msg, tree).map(|c| (c, msg))
                                }
                            };
                            // Converted to CRLF as it is written: the message is held once.
                            match resolved {
                                Some((c, bytes)) => {
                                    let (offset, len) = window(*partial, c.served_len(bytes));
                                    quote::literal_head(out, len)?;
                                    c.write(bytes, &mut quote::Char8(&mut *out), offset, len)?;
                                }
                                None => out.write_all(b"NIL")?,
                            }
                        }
                    }
                }
            }
        }
        if flags_changed && !asks_flags {
            out.write_all(b" FLAGS ")?;
            out.write_all(flag_lists.get(sel, m))?;
        }
        // RFC 7162 3.2.4: a \Seen set by FETCH tells its MODSEQ, and with QRESYNC its UID.
        if flags_changed && sel.uid_in_updates() && !items.contains(&Item::Uid) {
            write!(out, " UID {}", m.uid)?;
        }
        if flags_changed && !items.contains(&Item::Modseq) {
            sel.write_modseq(out, i)?;
        }
        out.write_all(b")\r\n")?;
        if let Some(f) = file.as_mut() {
            let sizes = match msg {
                Some(msg) if need == Need::Whole => Some(Sizes::of(msg)),
                // RFC822.SIZE counted from the file: with the length beside it.
                _ if asks_size && named.is_none() => f.stored_len().ok().map(|stored| Sizes {
                    served: read.size,
                    stored,
                }),
                _ => None,
            };
            // A streamed BODY[] alone yields nothing worth an fstat(2).
            if msg.is_some() || sizes.is_some() || asks_date {
                learn(&sel.cache, sel.messages.name(i), f, msg, sizes, &made);
            }
        }
        if let Some(e) = streaming_failed {
            return Ok(failed("FETCH", e));
        }
    }
    if any_seen {
        if let Err(e) = crate::maildir::deliver::sync_dir(&sel.dir.join("cur")) {
            return Ok(failed("FETCH", e));
        }
    }
    if !seen_set.is_empty() {
        sel.changed_flags(s.root, &seen_set);
    }
    if unknown_cte {
        return Ok(
            Response::no("A part has a transfer encoding this server cannot undo")
                .with(Code::UnknownCte),
        );
    }
    if expunged {
        return Ok(super::expunged::fetch_reply(complete));
    }
    Ok(super::completed("FETCH", uid))
}

/// The BINARY part last asked for with its decoded size and whether it holds NUL, kept
/// while the same part is asked again (they cost a pass of decoding).
#[derive(Default)]
struct Binary<'i> {
    part: Option<&'i [u32]>,
    body: Option<Result<binary::Body, binary::Error>>,
    measured: Option<(u64, bool)>,
}

impl<'i> Binary<'i> {
    /// The part, found in `msg` unless it is the one found last.
    fn get(
        &mut self,
        msg: &[u8],
        tree: Option<&part::Part>,
        part: &'i [u32],
    ) -> &Result<binary::Body, binary::Error> {
        if self.part != Some(part) {
            let tree = tree.expect("parsed for BINARY");
            self.part = Some(part);
            self.body = Some(binary::find(msg, tree, part));
            self.measured = None;
        }
        self.body.as_ref().expect("just found")
    }

    /// The part with its decoded size and whether it holds NUL.
    fn measured(
        &mut self,
        msg: &[u8],
        tree: Option<&part::Part>,
        part: &'i [u32],
    ) -> Result<(&binary::Body, u64, bool), &binary::Error> {
        self.get(msg, tree, part);
        let body = self.body.as_ref().expect("just found");
        if let (Ok(b), None) = (body, self.measured) {
            self.measured = Some(b.measure(msg));
        }
        let (size, nul) = self.measured.unwrap_or_default();
        body.as_ref().map(|b| (b, size, nul))
    }
}

/// What of the cache a FETCH's items are answered from, when every item can be.
#[derive(Clone, Copy, Debug, Default)]
struct Parts {
    date: bool,
    /// RFC822.SIZE: from the cache when the name has no `,W=`.
    size: bool,
    envelope: bool,
    /// HEADER.FIELDS of kept fields only.
    fields: bool,
    body: bool,
    bodystructure: bool,
    /// PREVIEW without LAZY: LAZY takes the cache's text when it is there, and needs none.
    preview: bool,
}

impl Parts {
    /// `None` when some item needs the file.
    fn of(items: &[Item]) -> Option<Parts> {
        let mut p = Parts::default();
        for item in items {
            match item {
                Item::Flags
                | Item::Uid
                | Item::Modseq
                | Item::SaveDate
                | Item::EmailId
                | Item::ThreadId => {}
                Item::InternalDate => p.date = true,
                Item::Size => p.size = true,
                Item::Envelope => p.envelope = true,
                Item::Structure { extended: true } => p.bodystructure = true,
                Item::Structure { extended: false } => p.body = true,
                Item::Preview { lazy: false } => p.preview = true,
                Item::Preview { lazy: true } => {}
                Item::Body {
                    section: Some(s), ..
                } if s.part.is_empty()
                    && matches!(&s.text, Some(Text::Fields { not: false, names })
                        if names.iter().all(|n| fields::kept(n))) =>
                {
                    p.fields = true
                }
                _ => return None,
            }
        }
        Some(p)
    }
}

/// What the cache holds of one message for this FETCH: every entry its items need.
struct Hit {
    facts: Option<Facts>,
    header: Option<Header>,
    whole: Option<Whole>,
}

impl Hit {
    /// `None` when something is missing, or nothing is needed from the cache. `named`: the
    /// size in the message's name.
    fn lookup(cache: &Cache, p: Parts, name: &[u8], named: Option<u64>) -> Option<Hit> {
        let size = p.size && named.is_none();
        let (header, whole) = (
            p.envelope || p.fields,
            p.body || p.bodystructure || p.preview,
        );
        if !(p.date || size || header || whole) {
            return None;
        }
        let unique = base(name);
        let facts = match p.date || size {
            true => Some(
                cache
                    .bare_facts(unique)
                    .filter(|f| !size || f.sizes.is_some())?,
            ),
            false => None,
        };
        let header = match header {
            true => Some(
                cache
                    .header(unique)
                    .filter(|h| !p.envelope || h.envelope().is_some())?,
            ),
            false => None,
        };
        let whole = match whole {
            true => Some(cache.whole(unique).filter(|w| {
                (!p.body || w.body().is_some())
                    && (!p.bodystructure || w.bodystructure().is_some())
                    && (!p.preview || w.preview().is_some())
            })?),
            false => None,
        };
        Some(Hit {
            facts,
            header,
            whole,
        })
    }
}

/// The flag lists this FETCH wrote, by flags: a folder has few different ones, and making
/// one costs more than the rest of a response from the cache.
#[derive(Default)]
struct FlagLists(Vec<(MessageFlags, bool, Vec<u8>)>);

impl FlagLists {
    /// Kept apart: past that many, lists are made each time.
    const MAX: usize = 64;

    fn get(&mut self, sel: &Selected, m: &Entry) -> &[u8] {
        let (flags, recent) = (m.flags(), m.recent);
        match self.0.iter().position(|e| e.0 == flags && e.1 == recent) {
            Some(at) => &self.0[at].2,
            None => {
                if self.0.len() == Self::MAX {
                    self.0.pop();
                }
                self.0.push((flags, recent, sel.flag_list(m).into_bytes()));
                &self.0[self.0.len() - 1].2
            }
        }
    }
}

/// The response texts one message's response made.
#[derive(Default)]
struct Made {
    envelope: Option<Vec<u8>>,
    body: Option<Vec<u8>>,
    bodystructure: Option<Vec<u8>>,
    preview: Option<Vec<u8>>,
}

/// Gives the cache what reading message `name` for this FETCH yielded: its date, its
/// header when read (`msg`, the header or the whole message), its sizes when counted, and
/// the response texts `made`. A file whose date cannot be read is left out (the response
/// needs no date).
fn learn(
    cache: &Cache,
    name: &[u8],
    file: &mut MessageFile,
    msg: Option<&[u8]>,
    sizes: Option<Sizes>,
    made: &Made,
) {
    let Ok(internal_date) = file.internal_date() else {
        return;
    };
    cache.learn(
        base(name),
        &Learnt {
            internal_date,
            header: msg.map(|m| &m[..header::split(m)]),
            sizes,
            keys: None,
            envelope: made.envelope.as_deref(),
            body: made.body.as_deref(),
            bodystructure: made.bodystructure.as_deref(),
            preview: made.preview.as_deref(),
        },
    );
}

/// How much of a message's file an item needs; more reads include less.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// What the session knows, or the file's name says.
    Nothing,
    /// The open file: its date, its size, or its content streamed.
    File,
    Header,
    Whole,
}

impl Item {
    /// What the item needs of a message file whose name gives the size `named`.
    fn need(&self, named: Option<u64>) -> Need {
        match self {
            Item::Flags
            | Item::Uid
            | Item::Modseq
            | Item::SaveDate
            | Item::EmailId
            | Item::ThreadId
            | Item::Preview { lazy: true } => Need::Nothing,
            Item::Size if named.is_some() => Need::Nothing,
            Item::Size | Item::InternalDate | Item::Body { section: None, .. } => Need::File,
            Item::Envelope => Need::Header,
            Item::Body {
                section: Some(s), ..
            } if s.part.is_empty()
                && matches!(s.text, Some(Text::Header | Text::Fields { .. })) =>
            {
                Need::Header
            }
            _ => Need::Whole,
        }
    }
}

/// What one message's response takes from its file, read before the response starts so
/// that a read error is a `NO` with nothing half sent. Only BODY[] is streamed later.
struct Read {
    /// The header or the whole message, as `need` says.
    msg: Option<Vec<u8>>,
    internal_date: i64,
    size: u64,
    /// For each BODY[] item, its window of the served message.
    windows: Vec<Option<(u64, u64)>>,
}

fn read(
    file: Option<&mut MessageFile>,
    items: &[Item],
    need: Need,
    named: Option<u64>,
) -> Result<Read, MaildirError> {
    let mut r = Read {
        msg: None,
        internal_date: 0,
        size: 0,
        windows: Vec::new(),
    };
    let Some(f) = file else {
        // Nothing needs the file: RFC822.SIZE, if asked, is in the name.
        r.size = named.unwrap_or(0);
        return Ok(r);
    };
    r.msg = match need {
        Need::Whole => Some(f.whole()?),
        Need::Header => Some(f.header()?),
        Need::Nothing | Need::File => None,
    };
    for (n, item) in items.iter().enumerate() {
        match item {
            Item::InternalDate => r.internal_date = f.internal_date()?,
            Item::Size => r.size = f.size()?,
            Item::Body {
                section: None,
                partial,
                ..
            } => {
                r.windows.resize(items.len(), None);
                r.windows[n] = Some(f.window(*partial)?)
            }
            _ => {}
        }
    }
    Ok(r)
}
