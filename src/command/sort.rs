//! SORT and UID SORT (RFC 5256, with RFC 5957's DISPLAYFROM and DISPLAYTO): SEARCH, then
//! the hits in the order of the sort keys, with the message order breaking ties; with
//! RETURN options, an ESEARCH answer in that order (ESORT, RFC 5267 3), kept live with
//! UPDATE (CONTEXT=SORT, RFC 5267 4: search_context.rs). THREAD shares the
//! per-message facts read here: from
//! the folder cache when it has them, else from each message's header (which then goes
//! into the cache). Each message keeps only the keys asked for while the hits are sorted.

use std::cmp::Ordering;
use std::io::{self, Write};

use super::search::{self, Key};
use super::{esearch, failed, search_context, Response};
use super::{Context, Selected};
use crate::maildir::flags::base;
use crate::maildir::index::cache::record::{self, FactsView, KeysView, Want};
use crate::maildir::index::cache::Learnt;
use crate::maildir::message_file;
use crate::maildir::MaildirError;
use crate::message::keys::Keys;
use crate::wire::{ParseError, Parser, Ranges};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Arrival,
    Cc,
    Date,
    /// RFC 5957 4.
    DisplayFrom,
    DisplayTo,
    From,
    Size,
    Subject,
    To,
}

pub struct Sort {
    /// `Some` for the ESORT form (`RETURN (...)`, RFC 5267 3).
    returns: Option<Vec<esearch::Return>>,
    criteria: Vec<(By, bool)>,
    key: Key,
}

/// `[search-return-opts SP] "(" ["REVERSE" SP] sort-key *(SP ...) ")" SP charset
/// 1*(SP search-key)`.
pub fn parse(p: &mut Parser) -> Result<Sort, ParseError> {
    let returns = esearch::parse(p)?;
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
            b"DISPLAYFROM" => By::DisplayFrom,
            b"DISPLAYTO" => By::DisplayTo,
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
        returns,
        criteria,
        key: search::keys(p)?,
    })
}

/// What SORT and THREAD compare of one message: its arrival, its size when asked for, and
/// its keys, borrowed from the cache entry (or from one just made).
pub struct Facts<'a> {
    pub arrival: i64,
    pub size: u64,
    pub keys: KeysView<'a>,
}

impl Facts<'_> {
    /// RFC 5256 2.2: the Date: field in UTC, else the arrival time.
    pub fn sent(&self) -> i64 {
        self.keys.sent.unwrap_or(self.arrival)
    }
}

/// Calls `f` with the index and the [`Facts`] of each message of `hits`, its size
/// included with `size`, leaving out those expunged meanwhile (as SEARCH does, RFC 2180
/// 4.3). The facts come from the folder cache, read in place, else from the message's
/// header (and its whole file for a size its name does not give), which then go into the
/// cache. Nothing of a message is kept once `f` has seen it.
pub fn each(
    sel: &Selected,
    hits: &[usize],
    size: bool,
    mut f: impl FnMut(usize, &Facts),
) -> Result<(), MaildirError> {
    for &i in hits {
        let name = sel.messages.name(i);
        let unique = base(name);
        let cached = sel.cache.facts_view(unique, |v| {
            let keys = v.keys?;
            let size = match size {
                true => message_file::size_from_name(name).or(v.sizes.map(|s| s.served))?,
                false => 0,
            };
            let arrival = v.internal_date;
            f(
                i,
                &Facts {
                    arrival,
                    size,
                    keys,
                },
            );
            Some(())
        });
        if cached.flatten().is_none() {
            read(sel, i, size, &mut f)?;
        }
    }
    Ok(())
}

/// [`each`] for message `i` when the cache lacks what is asked for.
fn read(
    sel: &Selected,
    i: usize,
    size: bool,
    f: &mut impl FnMut(usize, &Facts),
) -> Result<(), MaildirError> {
    let unique = base(sel.messages.name(i));
    // A copy: the session's view learns of a rename at its next rescan.
    let mut m = sel.messages.message(i);
    let Some(mut file) = message_file::open(&sel.dir, &mut m)? else {
        return Ok(());
    };
    let arrival = file.internal_date()?;
    let size = match size {
        true => file.size()?,
        false => 0,
    };
    let keys = match sel.cache.facts(unique, Want::ALL).and_then(|c| c.keys) {
        Some(keys) => keys,
        None => {
            let hdr = file.header()?;
            let keys = Keys::of(&hdr, true);
            let learnt = Learnt {
                internal_date: arrival,
                keys: Some(&keys),
                ..Learnt::default()
            };
            sel.cache.learn(unique, &learnt);
            keys
        }
    };
    // Read back as the cache holds it, so that both ways give `f` the same.
    let entry = record::Facts {
        internal_date: arrival,
        sizes: None,
        keys: Some(keys),
    }
    .encode();
    if let Some(keys) = FactsView::decode(&entry).and_then(|v| v.keys) {
        f(
            i,
            &Facts {
                arrival,
                size,
                keys,
            },
        );
    }
    Ok(())
}

/// One sort key of one message: a number, or text in [`Rows::text`].
#[derive(Clone, Copy)]
enum Value {
    Number(i64),
    Text(u32, u32),
}

/// The messages being sorted: each keeps its index, its first key as a number that orders
/// like it (a text's first bytes), and where its keys are, nothing else.
#[derive(Default)]
struct Rows {
    rows: Vec<Row>,
    /// The keys of row `r` are `values[r * criteria..][..criteria]`.
    values: Vec<Value>,
    text: Vec<u8>,
}

#[derive(Clone, Copy)]
struct Row {
    first: u64,
    index: u32,
    at: u32,
}

impl By {
    fn value(self, f: &Facts, text: &mut Vec<u8>) -> Value {
        let mut text = |s: &[u8]| {
            let at = text.len() as u32;
            text.extend_from_slice(s);
            Value::Text(at, s.len() as u32)
        };
        match self {
            By::Arrival => Value::Number(f.arrival),
            By::Date => Value::Number(f.sent()),
            By::Size => Value::Number(i64::try_from(f.size).unwrap_or(i64::MAX)),
            By::Subject => text(f.keys.subject),
            By::From => text(f.keys.from),
            By::To => text(f.keys.to),
            By::Cc => text(f.keys.cc),
            By::DisplayFrom => text(f.keys.display_from),
            By::DisplayTo => text(f.keys.display_to),
        }
    }
}

impl Rows {
    fn text(&self, v: Value) -> &[u8] {
        match v {
            Value::Text(at, len) => &self.text[at as usize..][..len as usize],
            Value::Number(_) => &[],
        }
    }

    fn cmp(&self, a: Value, b: Value) -> Ordering {
        match (a, b) {
            (Value::Number(a), Value::Number(b)) => a.cmp(&b),
            _ => self.text(a).cmp(self.text(b)),
        }
    }

    /// A number that orders as `v` does, or (a text) that orders texts whose first eight
    /// bytes differ: zeros pad a short one, so a tie leaves the order to the whole texts.
    fn first(&self, v: Value, reverse: bool) -> u64 {
        let n = match v {
            Value::Number(n) => (n as u64) ^ (1 << 63),
            Value::Text(..) => {
                let mut b = [0u8; 8];
                let t = self.text(v);
                let n = t.len().min(8);
                b[..n].copy_from_slice(&t[..n]);
                u64::from_be_bytes(b)
            }
        };
        if reverse {
            !n
        } else {
            n
        }
    }

    /// Sorts the rows by `criteria`, then by message order (RFC 5256: sequence number).
    fn sort(&mut self, criteria: &[(By, bool)]) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_unstable_by(|a, b| {
            a.first.cmp(&b.first).then_with(|| {
                let (va, vb) = (&self.values[a.at as usize..], &self.values[b.at as usize..]);
                for (c, &(_, reverse)) in criteria.iter().enumerate() {
                    match self.cmp(va[c], vb[c]) {
                        Ordering::Equal => {}
                        o if reverse => return o.reverse(),
                        o => return o,
                    }
                }
                a.index.cmp(&b.index)
            })
        });
        self.rows = rows;
    }
}

/// Appends the decimal digits of `n` to `out`.
pub fn push_number(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The indexes of the messages that match `key`, in the order of `criteria` (RFC 5256
/// 3), as SORT answers them and as a live SORT context (search_context.rs) keeps them.
pub fn sorted(
    sel: &Selected,
    criteria: &[(By, bool)],
    key: &Key,
) -> Result<Vec<u32>, MaildirError> {
    let size = criteria.iter().any(|c| c.0 == By::Size);
    let mut rows = Rows::default();
    let hits = search::hits(sel, key)?;
    rows.rows.reserve(hits.len());
    rows.values.reserve(hits.len() * criteria.len());
    each(sel, &hits, size, |i, f| {
        let at = rows.values.len() as u32;
        for &(by, _) in criteria {
            let v = by.value(f, &mut rows.text);
            rows.values.push(v);
        }
        let (_, reverse) = criteria[0];
        let first = rows.first(rows.values[at as usize], reverse);
        rows.rows.push(Row {
            first,
            index: i as u32,
            at,
        });
    })?;
    rows.sort(criteria);
    Ok(rows.rows.iter().map(|r| r.index).collect())
}

pub fn sort(s: &mut Context, tag: &[u8], sort: &Sort, uid: bool) -> io::Result<Response> {
    if let Some(reused) = search_context::reused(s, tag, sort.returns.as_deref()) {
        return Ok(reused);
    }
    if let Some(refused) = search::modseqs_for(s, &sort.key, "SORT")? {
        return Ok(refused);
    }
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    let made = sorted(sel, &sort.criteria, &sort.key);
    sel.cache.finish(sel.messages.names().map(base));
    let order = match made {
        Ok(order) => order,
        Err(e) => return Ok(failed("SORT", e)),
    };
    let number = |&i: &u32| match uid {
        true => sel.messages[i as usize].uid,
        false => i + 1,
    };
    if let Some(returns) = &sort.returns {
        if returns.contains(&esearch::Return::Save) {
            let mut uids: Vec<u32> = esearch::saved(returns, &order)
                .iter()
                .map(|&i| sel.messages[i as usize].uid)
                .collect();
            uids.sort_unstable();
            sel.saved = Ranges::from_sorted(uids);
        }
        let numbers: Vec<u32> = order.iter().map(number).collect();
        let returned = esearch::returned(returns, order.len()).into_iter();
        let found = returned.map(|at| order[at] as usize);
        let modseq = search::highest_found(sel, &sort.key, found);
        let out = &mut s.conn.output;
        esearch::write(out, tag, uid, returns, &numbers, modseq)?;
        if returns.contains(&esearch::Return::Update) {
            let uids = order
                .iter()
                .map(|&i| sel.messages[i as usize].uid)
                .collect();
            let live = search_context::Search::sort_order(uid, &sort.key, &sort.criteria);
            search_context::start(sel, out, tag, live, uids)?;
        }
        return Ok(super::completed("SORT", uid));
    }
    let mut out = Vec::with_capacity(8 + order.len() * 7);
    out.extend_from_slice(b"* SORT");
    for i in &order {
        out.push(b' ');
        push_number(&mut out, number(i));
    }
    let found = order.iter().map(|&i| i as usize);
    if let Some(m) = search::highest_found(sel, &sort.key, found) {
        out.extend_from_slice(format!(" (MODSEQ {m})").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    s.conn.output.write_all(&out)?;
    Ok(super::completed("SORT", uid))
}
