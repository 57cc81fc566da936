//! SORT and UID SORT (RFC 5256): SEARCH, then the hits in the order of the sort keys, with
//! the message order breaking ties. THREAD shares the per-message facts read here.

use std::cmp::Ordering;
use std::io::{self, Write};

use super::search::{self, Key};
use super::{failed, Reply};
use crate::maildir::message_file;
use crate::maildir::MaildirError;
use crate::message::keys::Keys;
use crate::session::{Selected, Session};
use crate::wire::{ParseError, Parser};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
}

pub struct Sort {
    criteria: Vec<(By, bool)>,
    key: Key,
}

/// `"(" ["REVERSE" SP] sort-key *(SP ...) ")" SP charset 1*(SP search-key)`.
pub fn parse(p: &mut Parser) -> Result<Sort, ParseError> {
    p.open()?;
    let mut criteria = Vec::new();
    while !p.eat(b')') {
        if !criteria.is_empty() {
            p.sp()?;
        }
        let mut kw = p.keyword()?;
        let reverse = kw == b"REVERSE";
        if reverse {
            p.sp()?;
            kw = p.keyword()?;
        }
        let by = match &kw[..] {
            b"ARRIVAL" => By::Arrival,
            b"CC" => By::Cc,
            b"DATE" => By::Date,
            b"FROM" => By::From,
            b"SIZE" => By::Size,
            b"SUBJECT" => By::Subject,
            b"TO" => By::To,
            _ => return Err(ParseError::bad("Unknown sort key")),
        };
        criteria.push((by, reverse));
    }
    if criteria.is_empty() {
        return Err(ParseError::bad("No sort key"));
    }
    p.sp()?;
    search::charset(p)?;
    p.sp()?;
    Ok(Sort {
        criteria,
        key: search::keys(p)?,
    })
}

/// What SORT and THREAD compare, read from a message's header and file.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub arrival: i64,
    /// RFC 5256 2.2: the Date: field in UTC, else the arrival time.
    pub sent: i64,
    pub size: u64,
    pub keys: Keys,
}

/// The facts of message `index` of the selected mailbox, from its header and file; with
/// `links`, its thread links too (THREAD REFERENCES). `Ok(None)` when another session
/// expunged it meanwhile.
pub fn facts(sel: &Selected, index: usize, links: bool) -> Result<Option<Facts>, MaildirError> {
    // A copy: the session's view learns of a rename at its next rescan.
    let mut m = sel.messages[index].clone();
    let Some(mut file) = message_file::open(&sel.dir, &mut m)? else {
        return Ok(None);
    };
    let arrival = file.internal_date()?;
    let size = file.size()?;
    let keys = Keys::of(&file.header()?, links);
    Ok(Some(Facts {
        arrival,
        sent: keys.sent.unwrap_or(arrival),
        size,
        keys,
    }))
}

/// The messages of `hits` with their facts, leaving out those expunged meanwhile (as
/// SEARCH does, RFC 2180 4.3).
pub fn facts_of(
    sel: &Selected,
    hits: &[usize],
    links: bool,
) -> Result<Vec<(usize, Facts)>, MaildirError> {
    let mut rows = Vec::with_capacity(hits.len());
    for &i in hits {
        if let Some(f) = facts(sel, i, links)? {
            rows.push((i, f));
        }
    }
    Ok(rows)
}

fn compare(a: &Facts, b: &Facts, by: By) -> Ordering {
    match by {
        By::Arrival => a.arrival.cmp(&b.arrival),
        By::Date => a.sent.cmp(&b.sent),
        By::Size => a.size.cmp(&b.size),
        By::Subject => a.keys.subject.cmp(&b.keys.subject),
        By::From => a.keys.from.cmp(&b.keys.from),
        By::To => a.keys.to.cmp(&b.keys.to),
        By::Cc => a.keys.cc.cmp(&b.keys.cc),
    }
}

pub fn sort(s: &mut Session, sort: &Sort, uid: bool) -> io::Result<Reply> {
    let Some(sel) = s.selected.as_ref() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    let mut rows = match search::hits(sel, &sort.key).and_then(|hits| facts_of(sel, &hits, false)) {
        Ok(rows) => rows,
        Err(e) => return Ok(failed("SORT", e)),
    };
    // Stable, so equal messages stay in mailbox order (RFC 5256: sequence number).
    rows.sort_by(|(_, a), (_, b)| {
        sort.criteria
            .iter()
            .map(|&(by, reverse)| {
                let o = compare(a, b, by);
                if reverse {
                    o.reverse()
                } else {
                    o
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    let out = &mut s.conn.output;
    out.write_all(b"* SORT")?;
    for (i, _) in &rows {
        let n = if uid {
            sel.messages[*i].uid
        } else {
            *i as u32 + 1
        };
        write!(out, " {n}")?;
    }
    out.write_all(b"\r\n")?;
    Ok(format!(
        "OK {}SORT completed",
        if uid { "UID " } else { "" }
    ))
}
