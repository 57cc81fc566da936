//! SORT and UID SORT (RFC 5256): SEARCH, then the hits in the order of the sort keys, with
//! the message order breaking ties. THREAD shares the per-message facts read here: from
//! the folder cache when it has them, else from each message's header (which then goes
//! into the cache). Each message keeps only the keys asked for while the hits are sorted.

use std::cmp::Ordering;
use std::io::{self, Write};

use super::search::{self, Key};
use super::{failed, Reply};
use crate::maildir::flags::base;
use crate::maildir::index::cache::record::{self, Want};
use crate::maildir::index::cache::Learnt;
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

/// What SORT and THREAD compare of one message: its arrival, its size when asked for, and
/// the keys asked for (the others are left empty).
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub arrival: i64,
    pub size: u64,
    pub keys: Keys,
}

impl Facts {
    /// RFC 5256 2.2: the Date: field in UTC, else the arrival time.
    pub fn sent(&self) -> i64 {
        self.keys.sent.unwrap_or(self.arrival)
    }
}

/// The facts of message `index` of the selected mailbox, with the keys `want` says and its
/// size with `size`: from the folder cache, else from the message's header (and its whole
/// file for a size its name does not give), which then go into the cache. `Ok(None)`
/// when another session expunged it meanwhile.
pub fn facts(
    sel: &Selected,
    index: usize,
    want: Want,
    size: bool,
) -> Result<Option<Facts>, MaildirError> {
    let name = sel.messages.name(index);
    let unique = base(name);
    let named = message_file::size_from_name(name);
    let mut cached = sel.cache.facts(unique, want);
    let known = |c: &record::Facts| named.or(c.sizes.map(|s| s.served));
    let enough = |c: &record::Facts| c.keys.is_some() && (!size || known(c).is_some());
    if let Some(c) = cached.take_if(|c| enough(c)) {
        return Ok(Some(Facts {
            arrival: c.internal_date,
            size: known(&c).unwrap_or(0),
            keys: c.keys.unwrap_or_default(),
        }));
    }
    // A copy: the session's view learns of a rename at its next rescan.
    let mut m = sel.messages.message(index);
    let Some(mut file) = message_file::open(&sel.dir, &mut m)? else {
        return Ok(None);
    };
    let arrival = file.internal_date()?;
    let size = match size {
        true => file.size()?,
        false => 0,
    };
    let keys = match cached.and_then(|c| c.keys) {
        Some(keys) => keys,
        None => {
            let hdr = file.header()?;
            let keys = Keys::of(&hdr, true);
            let learnt = Learnt {
                internal_date: arrival,
                header: Some(&hdr),
                keys: Some(&keys),
                ..Learnt::default()
            };
            sel.cache.learn(unique, &learnt);
            only(keys, want)
        }
    };
    Ok(Some(Facts {
        arrival,
        size,
        keys,
    }))
}

/// `keys` with those `want` does not name emptied.
fn only(mut keys: Keys, want: Want) -> Keys {
    if !want.subject {
        keys.subject = String::new();
    }
    if !want.addresses {
        keys.from = String::new();
        keys.to = String::new();
        keys.cc = String::new();
    }
    if !want.links {
        keys.id = None;
        keys.parents = Vec::new();
    }
    keys
}

/// The messages of `hits` made into rows by `row` from their facts, leaving out those
/// expunged meanwhile (as SEARCH does, RFC 2180 4.3). Only the rows are kept, not the
/// facts.
pub fn rows_of<T>(
    sel: &Selected,
    hits: &[usize],
    want: Want,
    size: bool,
    mut row: impl FnMut(usize, Facts) -> T,
) -> Result<Vec<T>, MaildirError> {
    let mut rows = Vec::with_capacity(hits.len());
    for &i in hits {
        if let Some(f) = facts(sel, i, want, size)? {
            rows.push(row(i, f));
        }
    }
    Ok(rows)
}

/// One sort key of one message.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Number(i64),
    Text(Box<str>),
}

impl By {
    fn value(self, f: &mut Facts) -> Value {
        let text = |s: &mut String| Value::Text(std::mem::take(s).into_boxed_str());
        match self {
            By::Arrival => Value::Number(f.arrival),
            By::Date => Value::Number(f.sent()),
            By::Size => Value::Number(i64::try_from(f.size).unwrap_or(i64::MAX)),
            By::Subject => text(&mut f.keys.subject),
            By::From => text(&mut f.keys.from),
            By::To => text(&mut f.keys.to),
            By::Cc => text(&mut f.keys.cc),
        }
    }
}

pub fn sort(s: &mut Session, sort: &Sort, uid: bool) -> io::Result<Reply> {
    let Some(sel) = s.selected.as_ref() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    let want = Want {
        subject: sort.criteria.iter().any(|c| c.0 == By::Subject),
        addresses: sort
            .criteria
            .iter()
            .any(|c| matches!(c.0, By::From | By::To | By::Cc)),
        links: false,
    };
    let size = sort.criteria.iter().any(|c| c.0 == By::Size);
    // Each message keeps its index and one value per criterion, nothing else.
    let rows = search::hits(sel, &sort.key).and_then(|hits| {
        rows_of(sel, &hits, want, size, |i, mut f| {
            let values: Box<[Value]> = sort.criteria.iter().map(|c| c.0.value(&mut f)).collect();
            (i as u32, values)
        })
    });
    sel.cache.finish(sel.messages.names().map(base));
    let mut rows = match rows {
        Ok(rows) => rows,
        Err(e) => return Ok(failed("SORT", e)),
    };
    // Stable, so equal messages stay in mailbox order (RFC 5256: sequence number).
    rows.sort_by(|(_, a), (_, b)| {
        for (k, &(_, reverse)) in sort.criteria.iter().enumerate() {
            match a[k].cmp(&b[k]) {
                Ordering::Equal => {}
                o if reverse => return o.reverse(),
                o => return o,
            }
        }
        Ordering::Equal
    });
    let out = &mut s.conn.output;
    out.write_all(b"* SORT")?;
    for &(i, _) in &rows {
        let n = if uid {
            sel.messages[i as usize].uid
        } else {
            i + 1
        };
        write!(out, " {n}")?;
    }
    out.write_all(b"\r\n")?;
    Ok(format!(
        "OK {}SORT completed",
        if uid { "UID " } else { "" }
    ))
}
