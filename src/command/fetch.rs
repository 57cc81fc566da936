//! FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8): flags, UID, INTERNALDATE, RFC822.SIZE,
//! ENVELOPE, BODY and BODYSTRUCTURE, body sections with `<offset.length>` partials, and the
//! RFC822 forms. The whole message (`BODY[]`) streams from the file with CRLF line ends;
//! RFC822.SIZE comes from the file name when it has `,W=`; ENVELOPE reads only the header.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::{failed, Reply};
use crate::maildir::content;
use crate::maildir::flags::Flags;
use crate::message::section::{Section, Text};
use crate::message::{binary, bodystructure, envelope, header, part};
use crate::session::Session;
use crate::wire::{datetime, ParseError, Parser, SequenceSet};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Flags,
    Uid,
    InternalDate,
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

impl Item {
    fn needs_message(&self) -> bool {
        matches!(
            self,
            Item::Envelope
                | Item::Structure { .. }
                | Item::Body {
                    section: Some(_),
                    ..
                }
                | Item::Binary { .. }
        )
    }
}

/// `("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")`.
pub fn parse_items(p: &mut Parser) -> Result<Vec<Item>, ParseError> {
    if p.eat(b'(') {
        let mut items = vec![item(p)?];
        while !p.eat(b')') {
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
        b"INTERNALDATE" => Item::InternalDate,
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
        _ => return Err(ParseError::bad("Unknown FETCH item")),
    })
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

pub fn fetch(s: &mut Session, set: &SequenceSet, items: &[Item], uid: bool) -> io::Result<Reply> {
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    let Some(indexes) = sel.resolve(set, uid) else {
        return Ok(super::BAD_SEQUENCE.to_string());
    };
    let mut items = items.to_vec();
    if uid && !items.contains(&Item::Uid) {
        items.insert(0, Item::Uid);
    }
    let sets_seen = !sel.read_only
        && items.iter().any(|i| {
            matches!(
                i,
                Item::Body { peek: false, .. } | Item::Binary { peek: false, .. }
            )
        });
    let needs_file = items
        .iter()
        .any(|i| matches!(i, Item::Body { .. } | Item::InternalDate) || i.needs_message());
    let needs_message = items
        .iter()
        .any(|i| i.needs_message() && *i != Item::Envelope);
    let needs_header = items.contains(&Item::Envelope);
    let out = &mut s.conn.output;
    let mut missing = false;
    let mut unknown_cte = false;
    for i in indexes {
        if sel.vanished.contains(&sel.messages[i].uid) {
            missing = true;
            continue;
        }
        let dir = sel.dir.clone();
        let mut file = None;
        if needs_file {
            match sel.messages[i].open(&dir) {
                Ok(Some(f)) => file = Some(f),
                Ok(None) => {
                    sel.vanished.insert(sel.messages[i].uid);
                    missing = true;
                    continue;
                }
                Err(e) => return Ok(failed("FETCH", e)),
            }
        }
        // Parsed only as far as asked: ENVELOPE alone reads just the header.
        let msg = match (&mut file, needs_message, needs_header) {
            (Some(f), true, _) => Some(read_all(f)?),
            (Some(f), false, true) => Some(read_header(f)?),
            _ => None,
        };
        let tree = msg
            .as_ref()
            .filter(|_| needs_message)
            .map(|m| part::parse(m));
        // BINARY first: RFC 3516 4.2 answers a part it cannot decode with NO [UNKNOWN-CTE],
        // and this message then gets no FETCH response at all.
        let binaries: Vec<Option<Result<Vec<u8>, binary::Error>>> = items
            .iter()
            .map(|item| match item {
                Item::Binary { part, .. } => Some(binary::decode(
                    msg.as_deref().expect("read for BINARY"),
                    tree.as_ref().expect("parsed for BINARY"),
                    part,
                )),
                _ => None,
            })
            .collect();
        if binaries
            .iter()
            .any(|b| matches!(b, Some(Err(binary::Error::UnknownEncoding))))
        {
            unknown_cte = true;
            continue;
        }
        let mut flags_changed = false;
        if sets_seen && !sel.messages[i].flags().system.contains(Flags::SEEN) {
            match sel.messages[i].set_flags(&dir, |mut f| {
                f.system = f.system.union(Flags::SEEN);
                f
            }) {
                Ok(true) => flags_changed = true,
                Ok(false) => {}
                Err(e) => return Ok(failed("FETCH", e)),
            }
        }
        let m = &sel.messages[i];
        write!(out, "* {} FETCH (", i + 1)?;
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                out.write_all(b" ")?;
            }
            match item {
                Item::Flags => write!(out, "FLAGS {}", sel.flag_list(m))?,
                Item::Uid => write!(out, "UID {}", m.uid)?,
                Item::InternalDate => {
                    let f = file.as_ref().expect("opened for INTERNALDATE");
                    let secs = f
                        .metadata()?
                        .modified()?
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    write!(out, "INTERNALDATE {}", datetime::format(secs))?;
                }
                Item::Size => {
                    let size = content::size(&m.name, &m.path(&dir))?;
                    write!(out, "RFC822.SIZE {size}")?;
                }
                Item::Envelope => {
                    let msg = msg.as_deref().expect("read for ENVELOPE");
                    out.write_all(b"ENVELOPE ")?;
                    envelope::write(out, &msg[..header::split(msg)])?;
                }
                Item::Structure { extended } => {
                    let msg = msg.as_deref().expect("read for BODYSTRUCTURE");
                    let tree = tree.as_ref().expect("parsed for BODYSTRUCTURE");
                    out.write_all(if *extended {
                        b"BODYSTRUCTURE "
                    } else {
                        b"BODY "
                    })?;
                    bodystructure::write(out, msg, tree, *extended)?;
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
                    match binaries[n].as_ref().expect("decoded above") {
                        Ok(decoded) if *size => write!(out, " {}", decoded.len())?,
                        Ok(decoded) => {
                            let (offset, len) = window(*partial, decoded.len() as u64);
                            if let Some((o, _)) = partial {
                                write!(out, "<{o}>")?;
                            }
                            let bytes = &decoded[offset as usize..(offset + len) as usize];
                            // RFC 3516 4.2: literal8 when the data holds NUL.
                            let tilde = if bytes.contains(&0) { "~" } else { "" };
                            write!(out, " {tilde}{{{len}}}\r\n")?;
                            out.write_all(bytes)?;
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
                            if let Some(sec) = section {
                                out.write_all(&sec.spec())?;
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
                            let f = file.as_mut().expect("opened for BODY[]");
                            let size = content::served_size(f)?;
                            let (offset, len) = window(*partial, size);
                            write!(out, "{{{len}}}\r\n")?;
                            content::copy_served(f, out, offset, len)?;
                        }
                        Some(sec) => {
                            let msg = msg.as_deref().expect("read for a section");
                            let tree = tree.as_ref().expect("parsed for a section");
                            match sec.resolve(msg, tree) {
                                Some(c) => {
                                    let bytes = c.served(msg);
                                    let (offset, len) = window(*partial, bytes.len() as u64);
                                    write!(out, "{{{len}}}\r\n")?;
                                    out.write_all(
                                        &bytes[offset as usize..(offset + len) as usize],
                                    )?;
                                }
                                None => out.write_all(b"NIL")?,
                            }
                        }
                    }
                }
            }
        }
        if flags_changed && !items.contains(&Item::Flags) {
            write!(out, " FLAGS {}", sel.flag_list(m))?;
        }
        out.write_all(b")\r\n")?;
    }
    if unknown_cte {
        return Ok(
            "NO [UNKNOWN-CTE] A part has a transfer encoding this server cannot undo".to_string(),
        );
    }
    if missing {
        // RFC 2180 4.1.2, RFC 5530: the others were sent.
        return Ok("NO [EXPUNGEISSUED] Some messages were expunged meanwhile".to_string());
    }
    Ok(format!(
        "OK {}FETCH completed",
        if uid { "UID " } else { "" }
    ))
}

/// The `(offset, length)` of a partial fetch of something `size` bytes long (RFC 3501
/// 6.4.5: an offset past the end gives an empty string).
fn window(partial: Option<(u64, u64)>, size: u64) -> (u64, u64) {
    match partial {
        Some((o, n)) => (o.min(size), n.min(size.saturating_sub(o))),
        None => (0, size),
    }
}

fn read_all(f: &mut File) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    f.seek(SeekFrom::Start(0))?;
    f.read_to_end(&mut v)?;
    Ok(v)
}

/// Reads only as far as the end of the header.
fn read_header(f: &mut File) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    f.seek(SeekFrom::Start(0))?;
    let mut chunk = [0u8; 8192];
    loop {
        let n = f.read(&mut chunk)?;
        let searched = v.len();
        v.extend_from_slice(&chunk[..n]);
        if n == 0 || header::end(&v, searched).is_some() {
            return Ok(v);
        }
    }
}
