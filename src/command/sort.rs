//! SORT and UID SORT (RFC 5256): SEARCH, then the hits in the order of the sort keys, with
//! the message order breaking ties. THREAD shares the per-message facts read here.

use std::cmp::Ordering;
use std::io::{self, Write};

use super::search::{self, Key};
use super::{failed, Reply};
use crate::maildir::message_file;
use crate::maildir::MaildirError;
use crate::message::{address, date, header, subject};
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
    pub subject: String,
    pub reply: bool,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub header: Vec<u8>,
}

/// The facts of message `index` of the selected mailbox, from its header and file;
/// `Ok(None)` when another session expunged it meanwhile.
pub fn facts(sel: &Selected, index: usize) -> Result<Option<Facts>, MaildirError> {
    // A copy: the session's view learns of a rename at its next rescan.
    let mut m = sel.messages[index].clone();
    let Some(mut file) = message_file::open(&sel.dir, &mut m)? else {
        return Ok(None);
    };
    let mut f = Facts {
        arrival: file.internal_date()?,
        size: file.size()?,
        ..Facts::default()
    };
    let hdr = file.header()?;
    f.sent = header::get(&hdr, b"Date")
        .and_then(|d| date::parse_seconds(&d))
        .unwrap_or(f.arrival);
    (f.subject, f.reply) = subject::base(&header::get(&hdr, b"Subject").unwrap_or_default());
    // RFC 5256: the addr-mailbox of the first address, which for a group is the group
    // name (RFC 3501 7.4.2), compared as i;unicode-casemap does.
    let first = |name: &[u8]| {
        header::get(&hdr, name)
            .and_then(|v| address::parse(&v).into_iter().next())
            .and_then(|a| a.mailbox)
            .map(|mb| String::from_utf8_lossy(&mb).to_uppercase())
            .unwrap_or_default()
    };
    f.from = first(b"From");
    f.to = first(b"To");
    f.cc = first(b"Cc");
    f.header = hdr;
    Ok(Some(f))
}

/// The messages of `hits` with their facts, leaving out those expunged meanwhile (as
/// SEARCH does, RFC 2180 4.3).
pub fn facts_of(sel: &Selected, hits: &[usize]) -> Result<Vec<(usize, Facts)>, MaildirError> {
    let mut rows = Vec::with_capacity(hits.len());
    for &i in hits {
        if let Some(f) = facts(sel, i)? {
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
        By::Subject => a.subject.cmp(&b.subject),
        By::From => a.from.cmp(&b.from),
        By::To => a.to.cmp(&b.to),
        By::Cc => a.cc.cmp(&b.cc),
    }
}

pub fn sort(s: &mut Session, sort: &Sort, uid: bool) -> io::Result<Reply> {
    let Some(sel) = s.selected.as_ref() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    let mut rows = match search::hits(sel, &sort.key).and_then(|hits| facts_of(sel, &hits)) {
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
