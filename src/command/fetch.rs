//! FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8): flags, UID, INTERNALDATE, RFC822.SIZE and
//! the whole message (BODY[], BODY.PEEK[], RFC822, with `<offset.length>` partials), streamed
//! from the file with CRLF line ends, never loaded whole into memory.

use std::io::{self, Write};

use super::{failed, Reply};
use crate::maildir::content;
use crate::maildir::flags::Flags;
use crate::session::Session;
use crate::wire::{datetime, ParseError, Parser, SequenceSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Flags,
    Uid,
    InternalDate,
    Size,
    /// The whole message: `BODY[]` (or `RFC822` when `rfc822`), a window of it with
    /// `partial`, without setting \Seen when `peek`.
    Body {
        peek: bool,
        rfc822: bool,
        partial: Option<(u64, u64)>,
    },
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
    item(p).map(|i| vec![i])
}

fn item(p: &mut Parser) -> Result<Item, ParseError> {
    let name = p.keyword()?;
    Ok(match &name[..] {
        b"FLAGS" => Item::Flags,
        b"UID" => Item::Uid,
        b"INTERNALDATE" => Item::InternalDate,
        b"RFC822.SIZE" => Item::Size,
        b"RFC822" => Item::Body {
            peek: false,
            rfc822: true,
            partial: None,
        },
        b"BODY" | b"BODY.PEEK" if p.eat(b'[') => {
            if !p.eat(b']') {
                return Err(ParseError::bad("Unsupported body section"));
            }
            let partial = if p.eat(b'<') {
                let offset = p.number()?;
                if !p.eat(b'.') {
                    return Err(ParseError::bad("Expected <offset.length>"));
                }
                let len = p.nz_number()?;
                if !p.eat(b'>') {
                    return Err(ParseError::bad("Expected >"));
                }
                Some((u64::from(offset), u64::from(len)))
            } else {
                None
            };
            Item::Body {
                peek: name == b"BODY.PEEK",
                rfc822: false,
                partial,
            }
        }
        _ => return Err(ParseError::bad("Unknown or unsupported FETCH item")),
    })
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
        && items
            .iter()
            .any(|i| matches!(i, Item::Body { peek: false, .. }));
    let needs_file = items
        .iter()
        .any(|i| matches!(i, Item::Body { .. } | Item::InternalDate));
    let out = &mut s.conn.output;
    let mut missing = false;
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
        let mut first = true;
        let mut sep = |out: &mut crate::wire::Output| -> io::Result<()> {
            if !std::mem::take(&mut first) {
                out.write_all(b" ")?;
            }
            Ok(())
        };
        for item in &items {
            sep(out)?;
            match *item {
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
                    let size = match content::size_from_name(&m.name) {
                        Some(n) => n,
                        None => {
                            let mut f = std::fs::File::open(m.path(&dir))?;
                            content::served_size(&mut f)?
                        }
                    };
                    write!(out, "RFC822.SIZE {size}")?;
                }
                Item::Body {
                    rfc822, partial, ..
                } => {
                    let f = file.as_mut().expect("opened for BODY");
                    let size = content::served_size(f)?;
                    let (offset, len) = match partial {
                        Some((o, n)) => (o.min(size), n.min(size.saturating_sub(o))),
                        None => (0, size),
                    };
                    match (rfc822, partial) {
                        (true, _) => write!(out, "RFC822 {{{len}}}\r\n")?,
                        (false, Some((o, _))) => write!(out, "BODY[]<{o}> {{{len}}}\r\n")?,
                        (false, None) => write!(out, "BODY[] {{{len}}}\r\n")?,
                    }
                    content::copy_served(f, out, offset, len)?;
                }
            }
        }
        if flags_changed && !items.contains(&Item::Flags) {
            sep(out)?;
            write!(out, "FLAGS {}", sel.flag_list(m))?;
        }
        out.write_all(b")\r\n")?;
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
