//! LIST (RFC 3501 6.3.8) with LIST-EXTENDED (RFC 5258: selection options SUBSCRIBED,
//! REMOTE, RECURSIVEMATCH, SPECIAL-USE; return options SUBSCRIBED, CHILDREN, SPECIAL-USE,
//! STATUS from RFC 5819), CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154), and LSUB (6.3.9).
//!
//! Maildir++ folders need no parents: with only `.A.B/` on disk, `A` is still a level of
//! the hierarchy, listed `\Noselect` (plain LIST) or `\NonExistent` (extended LIST).
//!
//! Patterns are matched against the names as the client sees them: UTF-8 once it enabled
//! UTF8=ACCEPT (RFC 6855 3), modified UTF-7 otherwise, so that `*ürfe` finds a folder
//! whatever its modified UTF-7 on disk looks like. Under IMAP4rev2 (RFC 9051 6.3.9) every
//! LIST marks a level that does not exist `\NonExistent`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use super::mailbox_name;
use super::namespace::Namespace;
use super::status::{self, StatusError};
use super::Context;
use super::{failed, Response};
use crate::maildir::special_use::Uses;
use crate::maildir::{folder, subscriptions};
use crate::wire::{ParseError, Parser};

#[derive(Default)]
pub struct List {
    lsub: bool,
    extended: bool,
    select_subscribed: bool,
    recursive: bool,
    select_special: bool,
    reference: Vec<u8>,
    patterns: Vec<Vec<u8>>,
    return_subscribed: bool,
    return_status: Option<Vec<status::Item>>,
}

/// LIST's arguments: `[SP "(" selection-options ")"] SP mailbox SP (list-mailbox / "("
/// patterns ")") [SP "RETURN" SP "(" return-options ")"]` (the leading SP is consumed).
pub fn parse_list(p: &mut Parser) -> Result<List, ParseError> {
    let mut l = List::default();
    if p.eat(b'(') {
        l.extended = true;
        while !p.eat(b')') {
            if p.peek() == Some(b' ') {
                p.sp()?;
            }
            match &p.keyword()?[..] {
                b"SUBSCRIBED" => l.select_subscribed = true,
                b"REMOTE" => {}
                b"RECURSIVEMATCH" => l.recursive = true,
                b"SPECIAL-USE" => l.select_special = true,
                _ => return Err(ParseError::bad("Unknown LIST selection option")),
            }
        }
        // RFC 5258 3.1: RECURSIVEMATCH alone means nothing.
        if l.recursive && !l.select_subscribed && !l.select_special {
            return Err(ParseError::bad(
                "RECURSIVEMATCH needs another selection option",
            ));
        }
        p.sp()?;
    }
    l.reference = p.astring()?;
    p.sp()?;
    if p.eat(b'(') {
        l.extended = true;
        l.patterns.push(pattern(p, &l.reference)?);
        while !p.eat(b')') {
            if l.patterns.len() == MAX_PATTERNS {
                return Err(ParseError::bad("Too many LIST patterns"));
            }
            p.sp()?;
            l.patterns.push(pattern(p, &l.reference)?);
        }
    } else {
        l.patterns.push(pattern(p, &l.reference)?);
    }
    if p.eat(b' ') {
        if p.keyword()? != b"RETURN" {
            return Err(ParseError::bad("Expected RETURN"));
        }
        l.extended = true;
        p.sp()?;
        p.open()?;
        while !p.eat(b')') {
            if p.peek() == Some(b' ') {
                p.sp()?;
            }
            match &p.keyword()?[..] {
                b"SUBSCRIBED" => l.return_subscribed = true,
                b"CHILDREN" | b"SPECIAL-USE" => {}
                b"STATUS" => {
                    p.sp()?;
                    l.return_status = Some(status::parse_items(p)?);
                }
                _ => return Err(ParseError::bad("Unknown LIST return option")),
            }
        }
    }
    Ok(l)
}

/// LSUB's arguments: `mailbox SP list-mailbox`.
pub fn parse_lsub(p: &mut Parser) -> Result<List, ParseError> {
    let reference = p.astring()?;
    p.sp()?;
    let patterns = vec![pattern(p, &reference)?];
    Ok(List {
        lsub: true,
        reference,
        patterns,
        ..List::default()
    })
}

/// A `list-mailbox` no longer, with `reference` before it, than [`MAX_PATTERN`].
fn pattern(p: &mut Parser, reference: &[u8]) -> Result<Vec<u8>, ParseError> {
    let pattern = p.list_mailbox()?;
    if reference.len() + pattern.len() > MAX_PATTERN {
        return Err(ParseError::bad("LIST pattern too long"));
    }
    Ok(pattern)
}

/// What is known of one name.
#[derive(Default)]
struct Entry {
    exists: bool,
    /// A level above an existing mailbox.
    parent: bool,
    subscribed: bool,
    /// A level above a subscribed name (LSUB's `\Noselect` parent).
    child_subscribed: bool,
    /// With RECURSIVEMATCH: a descendant meets the selection criteria (RFC 5258 3.5) ...
    child_selected: bool,
    /// ... and one such descendant matches no pattern, so it is not listed itself.
    child_unlisted: bool,
    /// RFC 6154 2, of an existing mailbox.
    uses: Uses,
}

/// The longest LIST pattern, reference included. Matching costs O(pattern · name) per name;
/// no mailbox name on disk is longer than a file name (255 bytes).
pub const MAX_PATTERN: usize = 1024;

/// The most patterns in one LIST (RFC 5258 allows a list of them).
pub const MAX_PATTERNS: usize = 32;

/// `*` matches anything, `%` anything but the separator. A simulation of the pattern as an
/// automaton: `live[i]` says the first `i` pattern bytes can match the name read so far.
/// O(pattern · name) time and O(pattern) memory, with no backtracking; since each literal
/// byte takes one byte of the name and runs of wildcards act as one, at most
/// O(name²) whatever the pattern.
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    let wild = |b: u8| b == b'*' || b == b'%';
    if pattern.iter().filter(|&&b| !wild(b)).count() > name.len() {
        return false;
    }
    // `**`, `%*` and `*%` match what `*` does, `%%` what `%` does.
    let mut simple: Vec<u8> = Vec::with_capacity(pattern.len());
    for &b in pattern {
        match (simple.last_mut(), b) {
            (Some(last @ b'%'), b'*') => *last = b'*',
            (Some(b'*'), b'*' | b'%') | (Some(b'%'), b'%') => {}
            _ => simple.push(b),
        }
    }
    let pattern = &simple[..];
    let mut live = vec![false; pattern.len() + 1];
    let mut next = live.clone();
    live[0] = true;
    // A wildcard may match nothing: what reaches it reaches past it too.
    let close = |live: &mut [bool]| {
        for i in 0..pattern.len() {
            if live[i] && wild(pattern[i]) {
                live[i + 1] = true;
            }
        }
    };
    close(&mut live);
    for &c in name {
        next.fill(false);
        let mut any = false;
        for (i, &p) in pattern.iter().enumerate() {
            if !live[i] {
                continue;
            }
            match p {
                b'*' => next[i] = true,
                b'%' if c != b'.' => next[i] = true,
                b'%' => {}
                _ if p == c => next[i + 1] = true,
                _ => {}
            }
            any = true;
        }
        if !any {
            return false;
        }
        close(&mut next);
        std::mem::swap(&mut live, &mut next);
    }
    live[pattern.len()]
}

fn name_matches(pattern: &[u8], name: &[u8]) -> bool {
    if name == b"INBOX" {
        matches(&pattern.to_ascii_uppercase(), name)
    } else {
        matches(pattern, name)
    }
}

impl List {
    /// Whether a name meets the selection criteria (RFC 5258 3: every selection option;
    /// without one, the existing mailboxes and the levels above them).
    fn selects(&self, e: &Entry) -> bool {
        if self.select_subscribed && !e.subscribed {
            return false;
        }
        if self.select_special && e.uses.is_empty() {
            return false;
        }
        self.select_subscribed || self.select_special || e.exists || e.parent
    }

    /// The first pattern (reference prefixed) that `name` matches.
    fn hit(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.patterns
            .iter()
            .map(|p| [&self.reference[..], p].concat())
            .find(|p| name_matches(p, name))
    }
}

/// The levels above a name, each a key of the listing; a first level spelt inbox in any
/// case is INBOX.
fn levels(ns: Namespace, name: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    // Under INBOX. (Courier's view), INBOX is the level above every folder.
    let inbox = (ns == Namespace::UnderInbox && !folder::is_inbox(name)).then(|| b"INBOX".to_vec());
    inbox.into_iter().chain(
        name.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'.')
            .map(|(i, _)| {
                let level = &name[..i];
                if folder::is_inbox(level) {
                    b"INBOX".to_vec()
                } else {
                    level.to_vec()
                }
            }),
    )
}

pub fn list(s: &mut Context, l: &List) -> io::Result<Response> {
    let verb = if l.lsub { "LSUB" } else { "LIST" };
    if !l.lsub && !l.extended && l.patterns == [b""] {
        // RFC 3501 6.3.8: the separator and the root of the reference.
        s.untagged("LIST (\\Noselect) \".\" \"\"")?;
        return Ok(Response::ok("LIST completed"));
    }
    let (folders, subscribed) = match (folder::list(s.root), subscriptions::read(s.root)) {
        (Ok(f), Ok(sub)) => (f, sub),
        (Err(e), _) | (_, Err(e)) => return Ok(failed(verb, e)),
    };
    let mut entries: BTreeMap<Vec<u8>, Entry> = BTreeMap::new();
    for name in std::iter::once(b"INBOX".to_vec()).chain(folders) {
        for parent in levels(s.namespace, &name) {
            entries.entry(parent).or_default().parent = true;
        }
        let e = entries.entry(name.clone()).or_default();
        e.exists = true;
        if let Ok(dir) = folder::path(s.root, &name) {
            e.uses = Uses::of(&dir, &name);
        }
    }
    for name in subscribed {
        let name = if folder::is_inbox(&name) {
            b"INBOX".to_vec()
        } else {
            name
        };
        for parent in levels(s.namespace, &name) {
            entries.entry(parent).or_default().child_subscribed = true;
        }
        entries.entry(name).or_default().subscribed = true;
    }
    // The pattern each name matches, found once; names that match none are not listed.
    let hits: BTreeMap<Vec<u8>, Vec<u8>> = entries
        .keys()
        .filter_map(|name| {
            let shown = mailbox_name::shown(s.spelling(), name);
            Some((name.clone(), l.hit(&shown)?))
        })
        .collect();
    if l.recursive && l.select_subscribed {
        let selected: Vec<(Vec<u8>, bool)> = entries
            .iter()
            .filter(|(_, e)| l.selects(e))
            .map(|(name, _)| (name.clone(), !hits.contains_key(name)))
            .collect();
        for (name, unlisted) in selected {
            for parent in levels(s.namespace, &name) {
                let e = entries.entry(parent).or_default();
                e.child_selected = true;
                e.child_unlisted |= unlisted;
            }
        }
    }
    // INBOX first, the rest in name order.
    let inbox = entries.remove(&b"INBOX"[..]);
    let ordered = inbox
        .map(|e| (b"INBOX".to_vec(), e))
        .into_iter()
        .chain(entries);
    for (name, e) in ordered {
        let Some(pattern) = hits.get(&name) else {
            continue;
        };
        let mut attrs: Vec<&str> = Vec::new();
        let childinfo;
        if l.lsub {
            childinfo = false;
            if e.subscribed {
            } else if e.child_subscribed && pattern.ends_with(b"%") {
                attrs.push("\\Noselect");
            } else {
                continue;
            }
        } else {
            // RFC 5258 3.5: a name that meets the criteria says whether a descendant does
            // too; one that does not is listed only for a descendant that is not listed
            // itself (servers "SHOULD suppress redundant CHILDINFO responses"), as
            // Dovecot 2.3 does.
            if l.selects(&e) {
                childinfo = e.child_selected;
            } else if e.child_unlisted {
                childinfo = true;
            } else {
                continue;
            }
            // RFC 9051 6.3.9.6: IMAP4rev2's LIST is the extended one.
            if !e.exists {
                attrs.push(if l.extended || s.enabled.imap4rev2 {
                    "\\NonExistent"
                } else {
                    "\\Noselect"
                });
            }
            if (l.select_subscribed || l.return_subscribed) && e.subscribed {
                attrs.push("\\Subscribed");
            }
            if e.exists {
                attrs.extend(existing(e.parent, e.uses));
            } else if e.parent {
                attrs.push("\\HasChildren");
            }
        }
        let sp = s.spelling();
        let out = &mut s.conn.output;
        write!(out, "* {verb} ({}) \".\" ", attrs.join(" "))?;
        mailbox_name::write(out, sp, &name)?;
        if childinfo {
            out.write_all(b" (\"CHILDINFO\" (\"SUBSCRIBED\"))")?;
        }
        out.write_all(b"\r\n")?;
        if let (Some(items), true) = (&l.return_status, e.exists) {
            let dir = match folder::path(s.root, &name) {
                Ok(d) => d,
                Err(_) => continue,
            };
            match status::write_status(s, &name, &dir, items) {
                Ok(()) => {}
                Err(StatusError::Store(e)) => {
                    crate::log!("LIST-STATUS {}: {e}", crate::log::escape(&name))
                }
                Err(StatusError::Write(e)) => return Err(e),
            }
        }
    }
    Ok(Response::ok(format!("{verb} completed")))
}

/// The attributes of a mailbox that exists: whether it has children (RFC 3348), and its
/// uses (RFC 6154 2).
fn existing(parent: bool, uses: Uses) -> impl Iterator<Item = &'static str> {
    let children = match parent {
        true => "\\HasChildren",
        false => "\\HasNoChildren",
    };
    std::iter::once(children).chain(uses.names())
}

/// The `* LIST` of the mailbox being selected, which IMAP4rev2 asks of SELECT and EXAMINE
/// (RFC 9051 6.3.2), with the attributes a LIST would give it.
pub fn write_selected(s: &mut Context, name: &[u8], dir: &Path) -> io::Result<()> {
    let name: &[u8] = if folder::is_inbox(name) {
        b"INBOX"
    } else {
        name
    };
    let parent = match folder::list(s.root) {
        Ok(folders) => folders
            .iter()
            .any(|f| levels(s.namespace, f).any(|level| level == name)),
        Err(e) => {
            crate::log!("LIST at SELECT {}: {e}", crate::log::escape(name));
            false
        }
    };
    let attrs: Vec<&str> = existing(parent, Uses::of(dir, name)).collect();
    let sp = s.spelling();
    let out = &mut s.conn.output;
    write!(out, "* LIST ({}) \".\" ", attrs.join(" "))?;
    mailbox_name::write(out, sp, name)?;
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::{matches, name_matches};

    #[test]
    fn wildcards() {
        // RFC 3501 6.3.8: "%" does not match the hierarchy separator, "*" does.
        assert!(matches(b"*", b"A.B.C"));
        assert!(matches(b"%", b"A"));
        assert!(!matches(b"%", b"A.B"));
        assert!(matches(b"A.%", b"A.B"));
        assert!(!matches(b"A.%", b"A.B.C"));
        assert!(matches(b"A*C", b"A.B.C"));
        assert!(matches(b"%.%", b"A.B"));
        assert!(!matches(b"Sent", b"sent"));
        assert!(matches(b"", b""));
        assert!(!matches(b"", b"A"));
        assert!(matches(b"%*%", b"A.B"));
        assert!(!matches(b"%%.%%", b"A.B.C"));
        assert!(name_matches(b"inbox", b"INBOX"));
        assert!(name_matches(b"In%", b"INBOX"));
    }

    /// The matcher this one replaced: plain backtracking, exponential in the number of
    /// wildcards, but obviously right.
    fn reference(pattern: &[u8], name: &[u8]) -> bool {
        match pattern.split_first() {
            None => name.is_empty(),
            Some((b'*', rest)) => (0..=name.len()).any(|i| reference(rest, &name[i..])),
            Some((b'%', rest)) => (0..=name.len())
                .take_while(|&i| i == 0 || name[i - 1] != b'.')
                .any(|i| reference(rest, &name[i..])),
            Some((&c, rest)) => name.first() == Some(&c) && reference(rest, &name[1..]),
        }
    }

    #[test]
    fn agrees_with_backtracking_on_small_inputs() {
        let mut seed = 0x9e37_79b9_u32;
        let mut next = |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed % n) as usize
        };
        for _ in 0..20000 {
            let pattern: Vec<u8> = (0..next(8)).map(|_| b"ab.*%"[next(5)]).collect();
            let name: Vec<u8> = (0..next(8)).map(|_| b"ab."[next(3)]).collect();
            assert_eq!(
                matches(&pattern, &name),
                reference(&pattern, &name),
                "{:?} against {:?}",
                String::from_utf8_lossy(&pattern),
                String::from_utf8_lossy(&name)
            );
        }
    }

    #[test]
    fn many_stars_answer() {
        // Ten stars took the backtracking matcher 5.1 s on this name; thirty would take days.
        let name = b"Archive.2024.Projects.Customer1";
        let stars = |sep: &[u8]| -> Vec<u8> {
            let mut p = Vec::new();
            for _ in 0..30 {
                p.extend_from_slice(b"*");
                p.extend_from_slice(sep);
            }
            p
        };
        assert!(matches(&stars(b""), name));
        assert!(!matches(&[&stars(b"")[..], b"x"].concat(), name));
        assert!(!matches(&[&stars(b"%")[..], b"Q"].concat(), name));
        let long_name = [&b"a."[..]; 120].concat();
        let pattern = [&b"*a"[..]; 30].concat();
        assert!(!matches(&[&pattern[..], b"z"].concat(), &long_name));
        assert!(matches(&[&pattern[..], b"."].concat(), &long_name));
    }
}
