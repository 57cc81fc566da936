//! SEARCH and UID SEARCH (RFC 3501 6.4.4, RFC 9051 6.4.4) with the RETURN options of
//! esearch.rs (ESEARCH, SEARCHRES's SAVE, CONTEXT=SEARCH's UPDATE kept live by
//! search_context.rs), SEARCHRES's `$` (RFC 5182), and the MODSEQ key
//! of CONDSTORE (RFC 7162 3.1.5, 3.1.6, 3.1.10). Text keys match
//! without regard to case, after encoded words, transfer encodings and charsets are
//! decoded; a message is read only as far as the keys need. Dates, sizes and the header
//! fields the folder cache keeps come from the cache when it has them; body searches read
//! the files.

use std::io::{self, Write};
use std::rc::Rc;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{esearch, failed, search_context, Code, Response};
use super::{Context, Selected};
use crate::maildir::flags::{base, Flags, MessageFlags};
use crate::maildir::index::cache::record;
use crate::maildir::index::cache::{Header, Learnt};
use crate::maildir::message_file::{self, MessageFile};
use crate::maildir::objectid::Guids;
use crate::maildir::view::Entry;
use crate::maildir::MaildirError;
use crate::message::{address_search, date, fields, header, part, text};
use crate::wire::{ParseError, Parser, Ranges, SequenceSet};

/// Parenthesised groups, NOT and OR nest; deeper than this is no real client.
const MAX_DEPTH: usize = 64;

/// The most keys in one search program. Each message is tested against every key, so a
/// search costs O(messages · keys); this keeps that product bounded on a large folder.
pub const MAX_KEYS: usize = 1000;

#[derive(Clone, Debug)]
pub enum Key {
    All,
    Set(SequenceSet),
    Uid(SequenceSet),
    /// A Set or Uid resolved against the mailbox: the indexes it names (`$` resolved once
    /// and shared by every key that names it).
    Indexes(Rc<Ranges>),
    Flag(Flags, bool),
    Keyword(Vec<u8>, bool),
    Recent(bool),
    New,
    Larger(u64),
    Smaller(u64),
    /// INTERNALDATE against a date.
    Internal(When, Date),
    /// The Date: field, likewise.
    Sent(When, Date),
    /// The save date (RFC 8514 4.3), likewise; INTERNALDATE where the name has none.
    Saved(When, Date),
    /// RFC 8474 6: the message's EMAILID is this objectid.
    EmailId(Vec<u8>),
    /// RFC 8474 6: no message has a THREADID (5.2), so this matches none.
    ThreadId,
    /// INTERNALDATE at or before (OLDER) or at or after (YOUNGER) a moment, in seconds
    /// since the epoch: the server's time less the key's interval, taken when the command
    /// is read (RFC 5032 2).
    Older(i64),
    Younger(i64),
    /// A MODSEQ at least this (RFC 7162 3.1.5).
    Modseq(u64),
    Header(Vec<u8>, String),
    Body(String),
    Text(String),
    Not(Box<Key>),
    Or(Box<Key>, Box<Key>),
    And(Vec<Key>),
}

/// How a message's date must stand to the date of the key (RFC 3501 6.4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Before,
    On,
    /// "within or later than": the day itself counts.
    Since,
}

impl When {
    fn holds(self, date: Date, key: Date) -> bool {
        match self {
            When::Before => date < key,
            When::On => date == key,
            When::Since => date >= key,
        }
    }
}

pub struct Search {
    /// `Some` for the ESEARCH form (`RETURN (...)`).
    returns: Option<Vec<esearch::Return>>,
    /// A CHARSET was named, which UTF8=ACCEPT forbids (RFC 6855 3).
    charset: bool,
    key: Key,
}

/// `["RETURN" SP "(" [opts] ")" SP] ["CHARSET" SP charset SP] search-key *(SP search-key)`.
pub fn parse(p: &mut Parser) -> Result<Search, ParseError> {
    let returns = esearch::parse(p)?;
    let charset_named = p.peek_keyword().as_deref() == Some(b"CHARSET");
    if charset_named {
        p.keyword()?;
        p.sp()?;
        charset(p)?;
        p.sp()?;
    }
    Ok(Search {
        returns,
        charset: charset_named,
        key: keys(p)?,
    })
}

/// A charset for the search strings: UTF-8 or US-ASCII (its subset).
pub fn charset(p: &mut Parser) -> Result<(), ParseError> {
    let charset = p.astring()?;
    if !charset.eq_ignore_ascii_case(b"UTF-8") && !charset.eq_ignore_ascii_case(b"US-ASCII") {
        return Err(ParseError::No(
            Response::no("Unsupported charset").with(Code::BadCharset("UTF-8 US-ASCII")),
        ));
    }
    Ok(())
}

/// `search-key *(SP search-key)`, all of which must match.
pub fn keys(p: &mut Parser) -> Result<Key, ParseError> {
    let mut count = 0;
    let mut keys = vec![key(p, 0, &mut count)?];
    while p.eat(b' ') {
        keys.push(key(p, 0, &mut count)?);
    }
    Ok(Key::And(keys))
}

fn text_arg(p: &mut Parser) -> Result<String, ParseError> {
    p.sp()?;
    Ok(text::fold(&String::from_utf8_lossy(&p.astring()?)))
}

/// `date = date-text / DQUOTE date-text DQUOTE`, `d-mon-yyyy`.
fn date_arg(p: &mut Parser) -> Result<Date, ParseError> {
    p.sp()?;
    let raw = p.astring()?;
    let s = String::from_utf8_lossy(&raw);
    let mut it = s.split('-');
    let parsed = (|| {
        let day: i8 = it.next()?.parse().ok()?;
        let mon = it.next()?;
        let month = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ]
        .iter()
        .position(|m| m.eq_ignore_ascii_case(mon))? as i8
            + 1;
        let year: i16 = it.next()?.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        Date::new(year, month, day).ok()
    })();
    parsed.ok_or_else(|| ParseError::bad("Invalid date"))
}

/// OLDER's and YOUNGER's `SP nz-number` (RFC 5032 3), as the moment it names: now less
/// that many seconds.
fn within_arg(p: &mut Parser) -> Result<i64, ParseError> {
    p.sp()?;
    let interval = p.number()?;
    if interval == 0 {
        return Err(ParseError::bad("The interval must be at least one second"));
    }
    Ok(jiff::Timestamp::now().as_second() - i64::from(interval))
}

/// One search key; `count` counts the keys read so far, groups included.
fn key(p: &mut Parser, depth: usize, count: &mut usize) -> Result<Key, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::bad("Search keys nested too deeply"));
    }
    *count += 1;
    if *count > MAX_KEYS {
        return Err(ParseError::bad("Too many search keys"));
    }
    if p.eat(b'(') {
        let mut keys = vec![key(p, depth + 1, count)?];
        while !p.eat(b')') {
            p.sp()?;
            keys.push(key(p, depth + 1, count)?);
        }
        return Ok(Key::And(keys));
    }
    if p.peek()
        .is_some_and(|b| b.is_ascii_digit() || b == b'*' || b == b'$')
    {
        return Ok(Key::Set(p.sequence_set()?));
    }
    Ok(match &p.keyword()?[..] {
        b"ALL" => Key::All,
        b"ANSWERED" => Key::Flag(Flags::ANSWERED, true),
        b"DELETED" => Key::Flag(Flags::DELETED, true),
        b"DRAFT" => Key::Flag(Flags::DRAFT, true),
        b"FLAGGED" => Key::Flag(Flags::FLAGGED, true),
        b"SEEN" => Key::Flag(Flags::SEEN, true),
        b"UNANSWERED" => Key::Flag(Flags::ANSWERED, false),
        b"UNDELETED" => Key::Flag(Flags::DELETED, false),
        b"UNDRAFT" => Key::Flag(Flags::DRAFT, false),
        b"UNFLAGGED" => Key::Flag(Flags::FLAGGED, false),
        b"UNSEEN" => Key::Flag(Flags::SEEN, false),
        b"RECENT" => Key::Recent(true),
        b"OLD" => Key::Recent(false),
        b"NEW" => Key::New,
        kw @ (b"KEYWORD" | b"UNKEYWORD") => {
            p.sp()?;
            Key::Keyword(p.atom()?, kw == b"KEYWORD")
        }
        b"LARGER" => {
            p.sp()?;
            Key::Larger(u64::from(p.number()?))
        }
        b"SMALLER" => {
            p.sp()?;
            Key::Smaller(u64::from(p.number()?))
        }
        b"BEFORE" => Key::Internal(When::Before, date_arg(p)?),
        b"ON" => Key::Internal(When::On, date_arg(p)?),
        b"SINCE" => Key::Internal(When::Since, date_arg(p)?),
        b"MODSEQ" => {
            p.sp()?;
            // One MODSEQ per message: the entry name and type are checked, then ignored.
            if p.peek() == Some(b'"') {
                let name = p.astring()?;
                if !name.to_ascii_lowercase().starts_with(b"/flags/") {
                    return Err(ParseError::bad("MODSEQ entry names are /flags/<flag>"));
                }
                p.sp()?;
                if !matches!(&p.keyword()?[..], b"PRIV" | b"SHARED" | b"ALL") {
                    return Err(ParseError::bad("MODSEQ entry types are priv, shared, all"));
                }
                p.sp()?;
            }
            Key::Modseq(p.mod_sequence()?)
        }
        b"OLDER" => Key::Older(within_arg(p)?),
        b"YOUNGER" => Key::Younger(within_arg(p)?),
        b"SAVEDBEFORE" => Key::Saved(When::Before, date_arg(p)?),
        b"SAVEDON" => Key::Saved(When::On, date_arg(p)?),
        b"SAVEDSINCE" => Key::Saved(When::Since, date_arg(p)?),
        // RFC 8514 4.3: every message, as every folder has save dates.
        b"SAVEDATESUPPORTED" => Key::All,
        b"EMAILID" => {
            p.sp()?;
            Key::EmailId(p.atom()?)
        }
        b"THREADID" => {
            p.sp()?;
            p.atom()?;
            Key::ThreadId
        }
        b"SENTBEFORE" => Key::Sent(When::Before, date_arg(p)?),
        b"SENTON" => Key::Sent(When::On, date_arg(p)?),
        b"SENTSINCE" => Key::Sent(When::Since, date_arg(p)?),
        name @ (b"FROM" | b"TO" | b"CC" | b"BCC" | b"SUBJECT") => {
            Key::Header(name.to_vec(), text_arg(p)?)
        }
        b"HEADER" => {
            p.sp()?;
            let field = p.astring()?;
            Key::Header(field, text_arg(p)?)
        }
        b"BODY" => Key::Body(text_arg(p)?),
        b"TEXT" => Key::Text(text_arg(p)?),
        b"UID" => {
            p.sp()?;
            Key::Uid(p.sequence_set()?)
        }
        b"NOT" => {
            p.sp()?;
            Key::Not(Box::new(key(p, depth + 1, count)?))
        }
        b"OR" => {
            p.sp()?;
            let a = key(p, depth + 1, count)?;
            p.sp()?;
            Key::Or(Box::new(a), Box::new(key(p, depth + 1, count)?))
        }
        _ => return Err(ParseError::bad("Unknown search key")),
    })
}

/// The day, in the server's time zone, of a moment in seconds since the epoch.
fn day(seconds: i64) -> Option<Date> {
    let ts = jiff::Timestamp::from_second(seconds).ok()?;
    Some(ts.to_zoned(TimeZone::system()).date())
}

/// One message being tested: its entries in the folder cache are looked up once, and its
/// file is opened once, only for what the cache lacks, and read only as far as the keys
/// need (the header, or all of it).
struct Candidate<'a> {
    sel: &'a Selected,
    /// The copies' GUIDs, when a key asks for EMAILIDs.
    guids: &'a Guids,
    index: usize,
    message: &'a Entry,
    /// The cache's facts (dates and sizes only) and kept header fields, once looked up.
    facts: Option<Option<record::Facts>>,
    kept: Option<Option<Header>>,
    file: Option<MessageFile>,
    header: Option<Vec<u8>>,
    whole: Option<Vec<u8>>,
    /// Expunged by another session: no match (RFC 2180 4.3).
    gone: bool,
    /// The file could not be read: the command fails.
    error: Option<MaildirError>,
}

impl Candidate<'_> {
    /// Runs `read` on the open file; `None` when the message is gone or unreadable.
    fn with_file<T>(
        &mut self,
        read: impl FnOnce(&mut MessageFile) -> Result<T, MaildirError>,
    ) -> Option<T> {
        if self.gone || self.error.is_some() {
            return None;
        }
        if self.file.is_none() {
            // A copy: the session's view learns of a rename at its next rescan.
            let mut m = self.sel.messages.message(self.index);
            match message_file::open(&self.sel.dir, &mut m) {
                Ok(Some(f)) => self.file = Some(f),
                Ok(None) => self.gone = true,
                Err(e) => self.error = Some(e),
            }
        }
        match read(self.file.as_mut()?) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// The whole message as stored (empty when it cannot be read).
    fn bytes(&mut self) -> &[u8] {
        if self.whole.is_none() {
            self.whole = Some(self.with_file(|f| f.whole()).unwrap_or_default());
        }
        self.whole.as_deref().unwrap_or_default()
    }

    /// The header as stored, read alone unless the whole message already was.
    fn header(&mut self) -> &[u8] {
        if self.whole.is_none() && self.header.is_none() {
            self.header = Some(self.with_file(|f| f.header()).unwrap_or_default());
        }
        match (&self.whole, &self.header) {
            (Some(msg), _) => &msg[..header::split(msg)],
            (None, h) => h.as_deref().unwrap_or_default(),
        }
    }

    /// From the view's bits: nothing to parse or keep.
    fn flags(&self) -> MessageFlags {
        self.message.flags()
    }

    /// The cache's facts of the message, without its keys.
    fn facts(&mut self) -> Option<&record::Facts> {
        let (cache, unique) = (&self.sel.cache, base(self.sel.messages.name(self.index)));
        self.facts
            .get_or_insert_with(|| cache.bare_facts(unique))
            .as_ref()
    }

    /// The message's kept header fields from the cache, when field `name` is one of them
    /// and the cache has them: a header that answers for that field as the whole does.
    fn kept(&mut self, name: &[u8]) -> Option<&[u8]> {
        if !fields::kept(name) {
            return None;
        }
        let (cache, unique) = (&self.sel.cache, base(self.sel.messages.name(self.index)));
        let kept = self.kept.get_or_insert_with(|| cache.header(unique));
        kept.as_ref().map(|h| h.fields())
    }

    /// The header for looking at field `name`: the kept fields when they hold it.
    fn header_for(&mut self, name: &[u8]) -> &[u8] {
        if self.kept(name).is_some() {
            return self.kept(name).unwrap_or_default();
        }
        self.header()
    }

    fn size(&mut self) -> Option<u64> {
        if let Some(n) = message_file::size_from_name(self.sel.messages.name(self.index)) {
            return Some(n);
        }
        if let Some(s) = self.facts().and_then(|f| f.sizes) {
            return Some(s.served);
        }
        self.with_file(|f| f.size())
    }

    /// INTERNALDATE in seconds since the epoch.
    fn internal_seconds(&mut self) -> Option<i64> {
        match self.facts().map(|f| f.internal_date) {
            Some(secs) => Some(secs),
            None => self.with_file(|f| f.internal_date()),
        }
    }

    fn internal_date(&mut self) -> Option<Date> {
        day(self.internal_seconds()?)
    }

    fn saved_date(&mut self) -> Option<Date> {
        match message_file::saved_from_name(self.sel.messages.name(self.index)) {
            Some(saved) => day(saved),
            None => self.internal_date(),
        }
    }

    fn sent_date(&mut self) -> Option<Date> {
        header::get(self.header_for(b"Date"), b"Date").and_then(|d| date::parse(&d))
    }

    /// Gives the cache the entries of the header this search read.
    fn learn(&mut self) {
        if self.header.is_none() || self.gone || self.error.is_some() {
            return;
        }
        let Some(date) = self.with_file(|f| f.internal_date()) else {
            return;
        };
        let learnt = Learnt {
            internal_date: date,
            header: self.header.as_deref(),
            ..Learnt::default()
        };
        self.sel
            .cache
            .learn(base(self.sel.messages.name(self.index)), &learnt);
    }
}

fn matches(key: &Key, c: &mut Candidate) -> bool {
    match key {
        Key::All => true,
        // Resolved by `prepare` before any message is looked at.
        Key::Set(_) | Key::Uid(_) => false,
        Key::Indexes(ix) => ix.contains(c.index as u32),
        Key::Flag(f, set) => c.flags().system.contains(*f) == *set,
        Key::Keyword(name, set) => {
            let has = c
                .sel
                .keywords
                .slot(name)
                .is_some_and(|n| c.flags().keywords & (1 << n) != 0);
            has == *set
        }
        Key::Recent(recent) => c.message.recent == *recent,
        Key::New => c.message.recent && !c.flags().system.contains(Flags::SEEN),
        Key::Larger(n) => c.size().is_some_and(|size| size > *n),
        Key::Smaller(n) => c.size().is_some_and(|size| size < *n),
        Key::Internal(when, d) => c.internal_date().is_some_and(|m| when.holds(m, *d)),
        Key::Modseq(n) => c.sel.modseqs.as_ref().is_some_and(|m| m.get(c.index) >= *n),
        Key::Saved(when, d) => c.saved_date().is_some_and(|m| when.holds(m, *d)),
        Key::EmailId(id) => c.guids.email_id(c.sel.messages.name(c.index)).as_bytes() == id,
        Key::ThreadId => false,
        Key::Older(at) => c.internal_seconds().is_some_and(|m| m <= *at),
        Key::Younger(at) => c.internal_seconds().is_some_and(|m| m >= *at),
        // Without a readable Date: field no SENT key matches (RFC 5256 2.2's fallback to
        // INTERNALDATE is for sorting only).
        Key::Sent(when, d) => c.sent_date().is_some_and(|m| when.holds(m, *d)),
        Key::Header(name, needle) => {
            address_search::field_matches(c.header_for(name), name, needle)
        }
        Key::Body(needle) => {
            let msg = c.bytes();
            text::body(msg, &part::parse(msg)).contains(needle.as_str())
        }
        Key::Text(needle) => {
            let msg = c.bytes();
            let root = part::parse(msg);
            text::whole_header(&msg[root.header.clone()]).contains(needle.as_str())
                || text::body(msg, &root).contains(needle.as_str())
        }
        Key::Not(k) => !matches(k, c),
        Key::Or(a, b) => matches(a, c) || matches(b, c),
        Key::And(keys) => keys.iter().all(|k| matches(k, c)),
    }
}

/// Resolves the message sets in `key` once, rather than for every message, into merged
/// ranges; `saved` is what `$` names, resolved at most once.
fn prepare(key: &Key, sel: &Selected, saved: &mut Option<Rc<Ranges>>) -> Key {
    let mut resolve = |set: &SequenceSet, uid: bool| {
        if set.is_saved() {
            let ranges =
                saved.get_or_insert_with(|| Rc::new(sel.resolve(set, true).unwrap_or_default()));
            return Key::Indexes(Rc::clone(ranges));
        }
        // A number past the end matches nothing.
        Key::Indexes(Rc::new(sel.resolve(set, uid).unwrap_or_default()))
    };
    match key {
        Key::Set(set) => resolve(set, false),
        Key::Uid(set) => resolve(set, true),
        Key::Not(k) => Key::Not(Box::new(prepare(k, sel, saved))),
        Key::Or(a, b) => Key::Or(
            Box::new(prepare(a, sel, saved)),
            Box::new(prepare(b, sel, saved)),
        ),
        Key::And(keys) => Key::And(keys.iter().map(|k| prepare(k, sel, saved)).collect()),
        other => other.clone(),
    }
}

/// Whether `key` has a MODSEQ key in it.
fn uses_modseq(key: &Key) -> bool {
    match key {
        Key::Modseq(_) => true,
        Key::Not(k) => uses_modseq(k),
        Key::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        Key::And(keys) => keys.iter().any(uses_modseq),
        _ => false,
    }
}

/// Whether `key` has an EMAILID key, which needs the folder's GUIDs.
fn asks_email_id(key: &Key) -> bool {
    match key {
        Key::EmailId(_) => true,
        Key::Not(k) => asks_email_id(k),
        Key::Or(a, b) => asks_email_id(a) || asks_email_id(b),
        Key::And(keys) => keys.iter().any(asks_email_id),
        _ => false,
    }
}

/// For a search with a MODSEQ key: enables CONDSTORE (RFC 7162 3.1) and reads the
/// MODSEQs, or the reply of a command that could not. `Ok(None)` also for other keys.
pub fn modseqs_for(s: &mut Context, key: &Key, verb: &str) -> io::Result<Option<Response>> {
    if s.selected.is_none() || !uses_modseq(key) {
        return Ok(None);
    }
    s.enable_condstore()?;
    let sel = s.selected.as_mut().expect("checked");
    Ok(sel.modseqs().err().map(|e| failed(verb, e)))
}

/// The `(MODSEQ n)` SEARCH and SORT end with after a MODSEQ key (RFC 7162 3.1.6, 3.1.9):
/// the highest MODSEQ of the messages `found`; `None` without the key or with no hits.
pub fn highest_found(sel: &Selected, key: &Key, found: impl Iterator<Item = usize>) -> Option<u64> {
    let modseqs = sel.modseqs.as_ref().filter(|_| uses_modseq(key))?;
    found.map(|i| modseqs.get(i)).max()
}

/// The indexes of the messages that match `key`, in mailbox order. Messages expunged by
/// another session meanwhile do not match (RFC 2180 4.3); a file that cannot be read fails
/// the search.
pub fn hits(sel: &Selected, key: &Key) -> Result<Vec<usize>, MaildirError> {
    matching(sel, key).map(|(hits, _)| hits)
}

/// [`hits`], and whether the client's view holds messages expunged meanwhile.
fn matching(sel: &Selected, key: &Key) -> Result<(Vec<usize>, bool), MaildirError> {
    let key = prepare(key, sel, &mut None);
    let guids = match asks_email_id(&key) {
        true => Guids::read(&sel.dir)?,
        false => Guids::default(),
    };
    let mut hits: Vec<usize> = Vec::new();
    let mut expunged = false;
    for (index, message) in sel.messages.iter().enumerate() {
        if sel.vanished.contains(&message.uid) {
            expunged = true;
            continue;
        }
        let mut c = Candidate {
            sel,
            guids: &guids,
            index,
            message,
            facts: None,
            kept: None,
            file: None,
            header: None,
            whole: None,
            gone: false,
            error: None,
        };
        let hit = matches(&key, &mut c);
        c.learn();
        if let Some(e) = c.error {
            return Err(e);
        }
        if hit && !c.gone {
            hits.push(index);
        }
        expunged |= c.gone;
    }
    Ok((hits, expunged))
}

pub fn search(s: &mut Context, tag: &[u8], search: &Search, uid: bool) -> io::Result<Response> {
    // RFC 6855 3: the search strings are UTF-8 already; a label is a conflict. IMAP4rev2
    // keeps CHARSET (RFC 9051 6.4.4).
    if search.charset && s.enabled.utf8_accept {
        return Ok(Response::bad(
            "No CHARSET in SEARCH once UTF8=ACCEPT is enabled (RFC 6855 3)",
        ));
    }
    if let Some(reused) = search_context::reused(s, tag, search.returns.as_deref()) {
        return Ok(reused);
    }
    if let Some(refused) = modseqs_for(s, &search.key, "SEARCH")? {
        return Ok(refused);
    }
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    let found = matching(sel, &search.key);
    sel.cache.finish(sel.messages.names().map(base));
    let (hits, expunged) = match found {
        Ok(found) => found,
        Err(e) => return Ok(failed("SEARCH", e)),
    };
    // RFC 5530 3: the client may want to NOOP to learn of the expunge.
    let mut done = super::completed("SEARCH", uid);
    if expunged {
        done = done.with(Code::ExpungeIssued);
    }
    let number = |i: usize| {
        if uid {
            sel.messages[i].uid
        } else {
            i as u32 + 1
        }
    };
    let out = &mut s.conn.output;
    // RFC 9051 6.4.4: IMAP4rev2 answers every SEARCH with ESEARCH, ALL when no option
    // is given.
    let all = [esearch::Return::All];
    let returns = match (&search.returns, s.enabled.imap4rev2) {
        (Some(returns), _) => Some(&returns[..]),
        (None, true) => Some(&all[..]),
        (None, false) => None,
    };
    let Some(returns) = returns else {
        out.write_all(b"* SEARCH")?;
        for &i in &hits {
            write!(out, " {}", number(i))?;
        }
        if let Some(m) = highest_found(sel, &search.key, hits.iter().copied()) {
            write!(out, " (MODSEQ {m})")?;
        }
        out.write_all(b"\r\n")?;
        return Ok(done);
    };
    if returns.contains(&esearch::Return::Save) {
        let saved = esearch::saved(returns, &hits);
        sel.saved = Ranges::from_sorted(saved.iter().map(|&i| sel.messages[i].uid));
    }
    let numbers: Vec<u32> = hits.iter().map(|&i| number(i)).collect();
    let returned = esearch::returned(returns, hits.len()).into_iter();
    let modseq = highest_found(sel, &search.key, returned.map(|at| hits[at]));
    esearch::write(out, tag, uid, returns, &numbers, modseq)?;
    if returns.contains(&esearch::Return::Update) {
        let uids = hits.iter().map(|&i| sel.messages[i].uid).collect();
        let live = search_context::Search::mailbox_order(uid, &search.key);
        search_context::start(sel, out, tag, live, uids)?;
    }
    Ok(done)
}
